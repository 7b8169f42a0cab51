package dev.hermesfront.gateway.upstream;

import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.util.Headers;
import io.undertow.websockets.client.WebSocketClient;
import io.undertow.websockets.client.WebSocketClientHandshake;
import io.undertow.websockets.client.WebSocketClientNegotiation;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import org.xnio.FutureResult;
import org.xnio.IoFuture;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.http.HttpUpgrade;

/**
 * Dials upstream {@code /api/ws} endpoints with Undertow's own WebSocket client, on the server's XNIO worker: the
 * upstream leg reads and writes on the same IO threads, with the same pooled buffers, as the client leg, and
 * needs no thread of its own (the JDK {@code java.net.http} client needed a selector thread and a hop per message).
 *
 * <p>The caller gets the upgraded {@link WebSocketChannel} itself, not a Jakarta session: a relay reads text
 * frames as the bytes they are and writes them as bytes ({@link WsRelayLink}), which the Jakarta API, decoding
 * every text message into a String, cannot do. Its receive listener is installed by the caller, and messages
 * are delivered on the IO thread that read them, so a link must never block in its callbacks. The dial is
 * asynchronous: the HTTP upgrade runs on the IO thread, so no thread waits for a handshake.
 *
 * <p>Handshake: {@code Host} is the URL's, no {@code Origin} is sent, {@code headers} and {@code subprotocols}
 * are added as given. Thread-safe.
 */
public final class WsClient {
    private final XnioWorker worker;
    private final ByteBufferPool buffers;

    /** Makes a client on {@code worker}; it holds nothing that needs closing besides the worker itself. */
    public WsClient(XnioWorker worker, ByteBufferPool buffers) {
        this.worker = worker;
        this.buffers = buffers;
    }

    /**
     * Opens a WebSocket to {@code uri}. {@code done} is called exactly once, on an IO thread or the caller's: with the
     * upgraded channel (receives not yet resumed: the caller installs its receive listener, then resumes them), or
     * with the failure (refused, upgrade refused, {@code timeout} passed, a subprotocol was offered and the server
     * selected none of them).
     */
    public void dial(URI uri, Map<String, String> headers, List<String> subprotocols, Duration timeout,
                     BiConsumer<WebSocketChannel, Throwable> done) {
        dial(uri, headers, subprotocols, timeout, null, done);
    }

    /**
     * As {@link #dial(URI, Map, List, Duration, BiConsumer)}, on IO thread {@code on} when one is given and the URL is
     * plain {@code ws:}: the connection is registered with that thread, so a relay whose client is on it reads the
     * upstream and writes the client on one thread, and a frame never waits for another thread's selector. Without a
     * thread (or for {@code wss:}) the worker picks one.
     */
    public void dial(URI uri, Map<String, String> headers, List<String> subprotocols, Duration timeout, XnioIoThread on,
                     BiConsumer<WebSocketChannel, Throwable> done) {
        WebSocketClientNegotiation negotiation = new WebSocketClientNegotiation(List.copyOf(subprotocols), List.of()) {
            @Override
            public void beforeRequest(Map<String, List<String>> h) {
                headers.forEach((k, v) -> h.put(k, List.of(v)));
            }
        };
        if (on != null && !isSecure(uri)) {
            dialOn(on, uri, negotiation, subprotocols, timeout, done);
            return;
        }
        WebSocketClient.ConnectionBuilder builder;
        try {
            builder = WebSocketClient.connectionBuilder(worker, buffers, uri)
                    // Small frames go out at once: with Nagle, a request behind unacknowledged data waits ~40 ms.
                    .setOptionMap(OptionMap.create(Options.TCP_NODELAY, true))
                    .setClientNegotiation(negotiation)
                    .setSsl(isSecure(uri) ? new UndertowXnioSsl(worker.getXnio(), OptionMap.EMPTY, SSLContext.getDefault()) : null);
        } catch (GeneralSecurityException | RuntimeException e) {
            done.accept(null, e);
            return;
        }
        IoFuture<WebSocketChannel> upgrade = builder.connect();
        XnioExecutor.Key timer = worker.getIoThread().executeAfter(upgrade::cancel, Math.max(1, timeout.toMillis()),
                TimeUnit.MILLISECONDS);
        upgrade.addNotifier((f, attachment) -> {
            timer.remove();
            switch (f.getStatus()) {
                case DONE -> open(upgrade, negotiation, subprotocols, done);
                case FAILED -> done.accept(null, f.getException());
                default -> done.accept(null, new IOException("no WebSocket upgrade within " + timeout.toMillis() + " ms"));
            }
        }, null);
    }

    /** The upgrade as Undertow's connection builder makes it, but on a connection opened by thread {@code on}. */
    private void dialOn(XnioIoThread on, URI uri, WebSocketClientNegotiation negotiation, List<String> subprotocols, Duration timeout,
                        BiConsumer<WebSocketChannel, Throwable> done) {
        URI http;
        InetSocketAddress to;
        try {
            int port = uri.getPort() == -1 ? 80 : uri.getPort();
            http = new URI("http", uri.getUserInfo(), uri.getHost(), port, uri.getPath().isEmpty() ? "/" : uri.getPath(), uri.getQuery(),
                    uri.getFragment());
            to = new InetSocketAddress(uri.getHost(), port);
        } catch (URISyntaxException | RuntimeException e) {
            done.accept(null, e);
            return;
        }
        WebSocketClientHandshake handshake = WebSocketClientHandshake.create(WebSocketVersion.V13, http, negotiation, Set.of());
        Map<String, List<String>> request = new HashMap<>();
        handshake.createHeaders().forEach((k, v) -> request.put(k, new ArrayList<>(List.of(v))));
        request.put(Headers.HOST_STRING, new ArrayList<>(List.of(uri.getHost() + ":" + http.getPort())));
        negotiation.beforeRequest(request);
        OptionMap options = OptionMap.create(Options.TCP_NODELAY, true);
        FutureResult<WebSocketChannel> result = new FutureResult<>(on);
        IoFuture<StreamConnection> tcp = on.openStreamConnection(to, null, options);
        tcp.addNotifier((f, attachment) -> {
            if (f.getStatus() != IoFuture.Status.DONE) {
                result.setException(f.getStatus() == IoFuture.Status.FAILED ? f.getException() : new IOException("cancelled"));
                return;
            }
            StreamConnection c;
            try {
                c = f.get();
            } catch (IOException e) {
                result.setException(e);
                return;
            }
            IoFuture<StreamConnection> upgraded = HttpUpgrade.performUpgrade(c, http, request, u -> { }, handshake.handshakeChecker(http, request));
            upgraded.addNotifier((g, a) -> {
                try {
                    if (g.getStatus() == IoFuture.Status.DONE) {
                        result.setResult(handshake.createChannel(g.get(), http.toString(), buffers, options));
                    } else {
                        IoUtils.safeClose(c);
                        result.setException(g.getStatus() == IoFuture.Status.FAILED ? g.getException() : new IOException("cancelled"));
                    }
                } catch (IOException | RuntimeException e) {
                    IoUtils.safeClose(c);
                    result.setException(e instanceof IOException io ? io : new IOException(e));
                }
            }, null);
        }, null);
        result.addCancelHandler(tcp);
        IoFuture<WebSocketChannel> upgrade = result.getIoFuture();
        XnioExecutor.Key timer = on.executeAfter(upgrade::cancel, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        upgrade.addNotifier((f, attachment) -> {
            timer.remove();
            switch (f.getStatus()) {
                case DONE -> open(upgrade, negotiation, subprotocols, done);
                case FAILED -> done.accept(null, f.getException());
                default -> done.accept(null, new IOException("no WebSocket upgrade within " + timeout.toMillis() + " ms"));
            }
        }, null);
    }

    private static void open(IoFuture<WebSocketChannel> upgraded, WebSocketClientNegotiation negotiation, List<String> subprotocols,
                             BiConsumer<WebSocketChannel, Throwable> done) {
        WebSocketChannel channel;
        try {
            channel = upgraded.get();
        } catch (IOException e) {
            done.accept(null, e);
            return;
        }
        String selected = negotiation.getSelectedSubProtocol();
        if (!subprotocols.isEmpty() && (selected == null || !subprotocols.contains(selected))) {
            IoUtils.safeClose(channel);
            done.accept(null, new IOException("the upstream selected no offered subprotocol"));
            return;
        }
        done.accept(channel, null);
    }

    private static boolean isSecure(URI uri) {
        return "wss".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
    }
}
