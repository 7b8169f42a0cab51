package dev.hermesfront.conformance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A WebSocket client for the runner on the JDK's {@code java.net.http} WebSocket: text messages are
 * reassembled from their parts and handed over whole, one at a time ({@code request(1)} after the runner
 * took the previous one, so the server is paced by the runner); the close from the server is an event in
 * the same queue. Sends are sequential and bounded in time. Used by one runner thread.
 */
final class WsClient implements AutoCloseable {
    /** Something that came from the server. */
    sealed interface Event permits Text, Closed, Failed {}

    /** One whole text message. */
    record Text(String text) implements Event {}

    /** The server closed the connection (or the connection dropped: code 1006). */
    record Closed(int code, String reason) implements Event {}

    /** The connection failed. */
    record Failed(Throwable error) implements Event {}

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    /** At most one message and one close are in flight, thanks to request(1); the bound is a safety margin. */
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>(64);
    private final WebSocket socket;
    private volatile boolean closedByServer;

    private WsClient(WebSocket socket) {
        this.socket = socket;
    }

    /** Opens a connection; throws {@link ConnectException} when the handshake fails or times out. */
    static WsClient connect(HttpClient http, URI uri, Duration timeout) throws ConnectException {
        Listener listener = new Listener();
        CompletableFuture<WebSocket> f = http.newWebSocketBuilder().connectTimeout(timeout).buildAsync(uri, listener);
        try {
            WebSocket ws = f.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            WsClient client = new WsClient(ws);
            listener.attach(client);
            ws.request(1);
            return client;
        } catch (ExecutionException e) {
            throw new ConnectException(e.getCause() == null ? e.getMessage() : e.getCause().toString());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new ConnectException("handshake did not complete within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("interrupted");
        }
    }

    /** The handshake failed. */
    static final class ConnectException extends Exception {
        ConnectException(String message) {
            super(message);
        }
    }

    /** Returns the next event, or null when none came within {@code timeout}. Requests the next message. */
    Event poll(Duration timeout) throws InterruptedException {
        Event e = events.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        if (e instanceof Text) {
            socket.request(1);
        }
        return e;
    }

    /** Sends one text message; returns false when the connection is gone. */
    boolean sendText(String text) {
        return await(socket.sendText(text, true));
    }

    /** Sends one binary message with the UTF-8 bytes of {@code text}. */
    boolean sendBinary(String text) {
        return await(socket.sendBinary(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), true));
    }

    /** Starts the closing handshake with {@code code}; returns false when output was closed already. */
    boolean sendClose(int code) {
        return await(socket.sendClose(code, ""));
    }

    boolean closedByServer() {
        return closedByServer;
    }

    private boolean await(CompletableFuture<WebSocket> f) {
        try {
            f.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Drops the connection without a closing handshake, if it is still open. */
    @Override
    public void close() {
        socket.abort();
    }

    private void offer(Event e) {
        if (e instanceof Closed) {
            closedByServer = true;
        }
        events.offer(e);
    }

    /** Reassembles messages; hands whole ones to the client. */
    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private final CompletableFuture<WsClient> client = new CompletableFuture<>();

        void attach(WsClient c) {
            client.complete(c);
        }

        @Override
        public void onOpen(WebSocket ws) {
            // the first request(1) is made once the client is attached
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (!last) {
                ws.request(1);
                return null;
            }
            String text = partial.toString();
            partial.setLength(0);
            client.thenAccept(c -> c.offer(new Text(text)));
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            // the TUI wire is text only (tui-wire.md §1.2): keep it visible to the matcher as unexpected text
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.append("(binary) ").append(new String(b, StandardCharsets.UTF_8));
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                client.thenAccept(c -> c.offer(new Text(text)));
            } else {
                ws.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            client.thenAccept(c -> c.offer(new Closed(code, reason)));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            client.thenAccept(c -> c.offer(new Failed(error)));
        }
    }
}
