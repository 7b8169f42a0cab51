package dev.hermesfront.gateway.upstream;

import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.websockets.client.WebSocketClient;
import io.undertow.websockets.client.WebSocketClientNegotiation;
import io.undertow.websockets.core.WebSocketChannel;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import org.xnio.IoFuture;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.XnioExecutor;
import org.xnio.XnioWorker;

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
        WebSocketClientNegotiation negotiation = new WebSocketClientNegotiation(List.copyOf(subprotocols), List.of()) {
            @Override
            public void beforeRequest(Map<String, List<String>> h) {
                headers.forEach((k, v) -> h.put(k, List.of(v)));
            }
        };
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
