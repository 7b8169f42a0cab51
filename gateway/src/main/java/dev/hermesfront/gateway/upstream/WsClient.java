package dev.hermesfront.gateway.upstream;

import dev.hermesfront.gateway.ws.raw.RawWsConnection;
import dev.hermesfront.gateway.ws.raw.WsFrames;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import org.xnio.IoFuture;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.ssl.SslConnection;

/**
 * Dials upstream {@code /api/ws} endpoints on the server's XNIO worker and performs the WebSocket upgrade itself:
 * the upstream leg reads and writes on the same IO threads, with the same pooled buffers, as the client leg, and
 * needs no thread of its own.
 *
 * <p>The caller gets a {@link RawWsConnection}: the upgraded TCP (or TLS) connection framed by our own code, not
 * Undertow's WebSocket channel, so a relay reads a burst of frames with one read and no object per frame
 * ({@link WsRelayLink}). The dial is asynchronous: connect, request and response all run on the IO thread, so
 * no thread waits for a handshake.
 *
 * <p>Handshake, as Undertow's client sent it before: {@code GET path?query HTTP/1.1}, {@code Host} the URL's
 * host and port, {@code Upgrade: websocket}, {@code Connection: upgrade}, a fresh {@code Sec-WebSocket-Key},
 * {@code Sec-WebSocket-Version: 13}, {@code Sec-WebSocket-Protocol} when subprotocols are offered, then
 * {@code headers} as given; no {@code Origin}, no extensions. The answer must be {@code 101} with
 * {@code Upgrade: websocket}, {@code Connection: upgrade} and the key's {@code Sec-WebSocket-Accept}, no
 * extension, and one of the offered subprotocols when some were offered (none otherwise). Thread-safe.
 */
public final class WsClient {
    /** The largest upgrade response we read. */
    static final int MAX_RESPONSE_HEAD = 16 * 1024;

    private final XnioWorker worker;
    private final ByteBufferPool buffers;
    private final SSLContext tls;

    /** Makes a client on {@code worker}; it holds nothing that needs closing besides the worker itself. */
    public WsClient(XnioWorker worker, ByteBufferPool buffers) {
        this(worker, buffers, null);
    }

    /** As {@link #WsClient(XnioWorker, ByteBufferPool)}, {@code wss:} with {@code tls} (null: the JDK's default context). */
    public WsClient(XnioWorker worker, ByteBufferPool buffers, SSLContext tls) {
        this.worker = worker;
        this.buffers = buffers;
        this.tls = tls;
    }

    /**
     * Opens a WebSocket to {@code uri}. {@code done} is called exactly once, on an IO thread or the caller's: with the
     * upgraded connection (not reading yet: the caller {@linkplain RawWsConnection#start starts} it), or with the
     * failure (refused, upgrade refused (the message names the HTTP status), {@code timeout} passed, a subprotocol
     * was offered and the server selected none of them).
     */
    public void dial(URI uri, Map<String, String> headers, List<String> subprotocols, Duration timeout,
                     BiConsumer<RawWsConnection, Throwable> done) {
        dial(uri, headers, subprotocols, timeout, null, done);
    }

    /**
     * As {@link #dial(URI, Map, List, Duration, BiConsumer)}, on IO thread {@code on} when one is given: the
     * connection is registered with that thread, so a relay whose client is on it reads the upstream and writes the
     * client on one thread, and a frame never waits for another thread's selector. Without a thread the worker
     * picks one.
     */
    public void dial(URI uri, Map<String, String> headers, List<String> subprotocols, Duration timeout, XnioIoThread on,
                     BiConsumer<RawWsConnection, Throwable> done) {
        XnioIoThread io = on != null ? on : worker.getIoThread();
        Upgrade up;
        IoFuture<? extends StreamConnection> tcp;
        try {
            boolean secure = "wss".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
            int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
            InetSocketAddress to = new InetSocketAddress(uri.getHost(), port);
            up = new Upgrade(request(uri, port, headers, subprotocols), subprotocols, done);
            OptionMap options = OptionMap.create(Options.TCP_NODELAY, true);
            if (secure) {
                UndertowXnioSsl ssl = new UndertowXnioSsl(worker.getXnio(), OptionMap.EMPTY, tls != null ? tls : SSLContext.getDefault());
                tcp = ssl.openSslConnection(io, to, null, options);
            } else {
                tcp = io.openStreamConnection(to, null, options);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            done.accept(null, e);
            return;
        }
        up.timer = io.executeAfter(() -> up.fail(new IOException("no WebSocket upgrade within " + timeout.toMillis() + " ms")),
                Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        up.tcp = tcp;
        tcp.addNotifier((f, attachment) -> {
            switch (f.getStatus()) {
                case DONE -> {
                    try {
                        up.connected(f.get());
                    } catch (IOException e) {
                        up.fail(e);
                    }
                }
                case FAILED -> up.fail(f.getException());
                default -> up.fail(new IOException("cancelled"));
            }
        }, null);
    }

    /** The request head, and the key whose accept value the answer must carry (kept in {@link Upgrade}). */
    private static Request request(URI uri, int port, Map<String, String> headers, List<String> subprotocols) {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        StringBuilder r = new StringBuilder(256).append("GET ").append(path).append(" HTTP/1.1\r\n");
        header(r, "Host", uri.getHost() + ":" + port);
        header(r, "Upgrade", "websocket");
        header(r, "Connection", "upgrade");
        header(r, "Sec-WebSocket-Key", key);
        header(r, "Sec-WebSocket-Version", "13");
        if (!subprotocols.isEmpty()) {
            header(r, "Sec-WebSocket-Protocol", String.join(",", subprotocols));
        }
        headers.forEach((k, v) -> header(r, k, v));
        r.append("\r\n");
        return new Request(ByteBuffer.wrap(r.toString().getBytes(StandardCharsets.UTF_8)), WsFrames.acceptKey(key));
    }

    private static void header(StringBuilder r, String name, String value) {
        if (name.indexOf('\r') >= 0 || name.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("line break in upgrade header " + name);
        }
        r.append(name).append(": ").append(value).append("\r\n");
    }


    private record Request(ByteBuffer head, String accept) {}

    /** One upgrade in progress; every step runs on the connection's IO thread. */
    private final class Upgrade {
        private final Request request;
        private final List<String> subprotocols;
        private final BiConsumer<RawWsConnection, Throwable> done;
        private XnioExecutor.Key timer;
        private IoFuture<? extends StreamConnection> tcp;
        private StreamConnection connection;
        private ByteBuffer response = ByteBuffer.allocate(1024);
        private boolean finished;

        Upgrade(Request request, List<String> subprotocols, BiConsumer<RawWsConnection, Throwable> done) {
            this.request = request;
            this.subprotocols = subprotocols;
            this.done = done;
        }

        void connected(StreamConnection c) {
            if (finished) {
                IoUtils.safeClose(c);
                return;
            }
            connection = c;
            c.getSinkChannel().getWriteSetter().set(ch -> writeRequest());
            c.getSourceChannel().getReadSetter().set(ch -> readResponse());
            if (c instanceof SslConnection tls) {
                // TLS: the handshake needs reads as well as writes; reading before the request is written reads nothing.
                try {
                    tls.startHandshake();
                } catch (IOException e) {
                    fail(e);
                    return;
                }
                c.getSourceChannel().resumeReads();
            }
            writeRequest();
        }

        private void writeRequest() {
            try {
                connection.getSinkChannel().write(request.head());
                if (request.head().hasRemaining() || !connection.getSinkChannel().flush()) {
                    connection.getSinkChannel().resumeWrites();
                    return;
                }
                connection.getSinkChannel().suspendWrites();
                connection.getSourceChannel().resumeReads();
            } catch (IOException e) {
                fail(e);
            }
        }

        private void readResponse() {
            try {
                while (true) {
                    if (!response.hasRemaining()) {
                        if (response.capacity() >= MAX_RESPONSE_HEAD) {
                            throw new IOException("upgrade response head over " + MAX_RESPONSE_HEAD + " bytes");
                        }
                        response = ByteBuffer.allocate(response.capacity() * 4).put(response.flip());
                    }
                    int n = connection.getSourceChannel().read(response);
                    if (n < 0) {
                        throw new IOException("connection closed during the WebSocket upgrade");
                    }
                    if (n == 0) {
                        return;
                    }
                    int end = headEnd(response);
                    if (end >= 0) {
                        connection.getSourceChannel().suspendReads();
                        answered(end);
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        }

        private void answered(int end) throws IOException {
            String head = new String(response.array(), 0, end, StandardCharsets.ISO_8859_1);
            String[] lines = head.split("\r\n");
            String[] status = lines[0].split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP response to the WebSocket upgrade");
            }
            if (!"101".equals(status[1])) {
                throw new IOException("the WebSocket upgrade was answered with HTTP " + status[1]);
            }
            Map<String, String> h = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    h.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(), (a, b) -> a + "," + b);
                }
            }
            if (!"websocket".equalsIgnoreCase(h.get("upgrade"))
                    || !h.getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("upgrade")) {
                throw new IOException("the upgrade answer is not a WebSocket upgrade");
            }
            if (!request.accept().equals(h.get("sec-websocket-accept"))) {
                throw new IOException("the upgrade answer has a wrong Sec-WebSocket-Accept");
            }
            if (h.containsKey("sec-websocket-extensions")) {
                throw new IOException("the upstream selected an extension none was offered");
            }
            String selected = h.get("sec-websocket-protocol");
            if (subprotocols.isEmpty() ? selected != null : selected == null || !subprotocols.contains(selected)) {
                throw new IOException("the upstream selected no offered subprotocol");
            }
            ByteBuffer rest = ByteBuffer.allocate(response.position() - end - 4);
            rest.put(response.array(), end + 4, rest.capacity()).flip();
            response = null;
            connection.getSinkChannel().getWriteSetter().set(null);
            connection.getSourceChannel().getReadSetter().set(null);
            finished = true;
            timer.remove();
            done.accept(new RawWsConnection(connection, buffers, true, rest), null);
        }

        /** Returns where the head ends (the index of its blank line's CR), or -1. */
        private static int headEnd(ByteBuffer b) {
            byte[] a = b.array();
            for (int i = 3, n = b.position(); i < n; i++) {
                if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                    return i - 3;
                }
            }
            return -1;
        }

        void fail(Throwable failure) {
            if (finished) {
                return;
            }
            finished = true;
            if (timer != null) {
                timer.remove();
            }
            if (tcp != null) {
                tcp.cancel();
            }
            IoUtils.safeClose(connection);
            done.accept(null, failure);
        }
    }
}
