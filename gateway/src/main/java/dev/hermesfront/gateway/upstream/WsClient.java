package dev.hermesfront.gateway.upstream;

import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.servlet.util.DefaultClassIntrospector;
import io.undertow.websockets.client.WebSocketClient;
import io.undertow.websockets.client.WebSocketClientNegotiation;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.jsr.ServerWebSocketContainer;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.Endpoint;
import jakarta.websocket.Session;
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
 * Dials upstream {@code /api/ws} endpoints with the Jakarta WebSocket client API on Undertow's own container,
 * on the server's XNIO worker: the upstream leg reads and writes on the same IO threads, with the same pooled
 * buffers, as the client leg, and needs no thread of its own (the JDK {@code java.net.http} client needed a
 * selector thread and a hop per message).
 *
 * <p>The container here is a second instance of Undertow's {@link ServerWebSocketContainer}, used only for
 * clients, with {@code dispatchToWorker} off: upstream messages are delivered on the IO thread that read them,
 * so a link must never block in its callbacks. (The server's own container dispatches to worker threads,
 * because its endpoint starts agents.) The dial is asynchronous: the HTTP upgrade runs on the IO thread, and
 * the Jakarta session is made once the upgrade completed, so no thread waits for a handshake.
 *
 * <p>Handshake: {@code Host} is the URL's, no {@code Origin} is sent, {@code headers} and {@code subprotocols}
 * are added as given. Thread-safe.
 */
public final class WsClient {
    private final XnioWorker worker;
    private final ByteBufferPool buffers;
    private final ServerWebSocketContainer container;

    /** Makes a client on {@code worker}; it holds nothing that needs closing besides the worker itself. */
    public WsClient(XnioWorker worker, ByteBufferPool buffers) {
        this.worker = worker;
        this.buffers = buffers;
        this.container = new ServerWebSocketContainer(DefaultClassIntrospector.INSTANCE, WsClient.class.getClassLoader(),
                () -> worker, buffers, List.of(), false);
    }

    /**
     * Opens a WebSocket to {@code uri} for {@code endpoint} ({@link Endpoint#onOpen} runs on an IO thread before
     * the first message). {@code done} is called exactly once, on an IO thread or the caller's: with the session,
     * or with the failure (refused, upgrade refused, {@code timeout} passed, a subprotocol was offered and the
     * server selected none of them).
     */
    public void dial(URI uri, Map<String, String> headers, List<String> subprotocols, Endpoint endpoint, Duration timeout,
                     BiConsumer<Session, Throwable> done) {
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
                case DONE -> open(builder, upgrade, negotiation, subprotocols, endpoint, done);
                case FAILED -> done.accept(null, f.getException());
                default -> done.accept(null, new IOException("no WebSocket upgrade within " + timeout.toMillis() + " ms"));
            }
        }, null);
    }

    private void open(WebSocketClient.ConnectionBuilder builder, IoFuture<WebSocketChannel> upgraded,
                      WebSocketClientNegotiation negotiation, List<String> subprotocols, Endpoint endpoint,
                      BiConsumer<Session, Throwable> done) {
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
        Session session;
        try {
            // The upgrade is complete: this "connect" returns it at once, so the container does not wait here.
            session = container.connectToServer(endpoint, ClientEndpointConfig.Builder.create().build(), new Upgraded(builder, upgraded));
        } catch (Exception e) {
            IoUtils.safeClose(channel);
            done.accept(null, e);
            return;
        }
        done.accept(session, null);
    }

    private static boolean isSecure(URI uri) {
        return "wss".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
    }

    /** A connection builder whose connection is already made: hands the container the finished upgrade. */
    private static final class Upgraded extends WebSocketClient.ConnectionBuilder {
        private final IoFuture<WebSocketChannel> upgraded;

        Upgraded(WebSocketClient.ConnectionBuilder made, IoFuture<WebSocketChannel> upgraded) {
            super(made.getWorker(), made.getBufferPool(), made.getUri());
            setClientNegotiation(made.getClientNegotiation());
            this.upgraded = upgraded;
        }

        @Override
        public IoFuture<WebSocketChannel> connect() {
            return upgraded;
        }
    }
}
