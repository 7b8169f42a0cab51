package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A JDK WebSocket client for tests: collects whole text messages and the close code. */
public final class WsTestClient implements WebSocket.Listener, AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(10);

    /** Put in the message queue when the socket closes, so waits end at once. */
    private static final String CLOSED = new String("<closed>");
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<int[]> closed = new CompletableFuture<>();
    private final CompletableFuture<String> closeReason = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket ws;

    /** Connects to {@code uri}; fails the test if the handshake does not complete in time. */
    public static WsTestClient connect(URI uri) throws Exception {
        return connect(uri, HttpClient.newHttpClient());
    }

    /** Connects with a shared client (many sockets, one selector thread). */
    public static WsTestClient connect(URI uri, HttpClient http) throws Exception {
        return connect(uri, http, new String[0]);
    }

    /** Connects offering {@code subprotocols} (none when empty), with extra handshake {@code headers} (name, value, …). */
    public static WsTestClient connect(URI uri, HttpClient http, String[] subprotocols, String... headers) throws Exception {
        WsTestClient c = new WsTestClient();
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(WAIT);
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        c.ws = b.buildAsync(uri, c).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return c;
    }

    /** Returns the subprotocol the server selected, or "" for none. */
    public String subprotocol() {
        return ws.getSubprotocol();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            messages.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason.complete(reason);
        closed.complete(new int[] {statusCode});
        messages.add(CLOSED);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(new int[] {1006});
        closeReason.complete(String.valueOf(error));
        messages.add(CLOSED);
    }

    /** Sends one text message and waits until it is handed to the socket. */
    public WsTestClient send(String text) throws Exception {
        ws.sendText(text, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return this;
    }

    /** Sends one binary message. */
    public WsTestClient sendBinary(byte[] data) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(data), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return this;
    }

    /** Returns the next message, failing the test if none arrives in time. */
    public String next() throws InterruptedException {
        String m = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(m, "no message within " + WAIT);
        if (m == CLOSED) {
            messages.add(CLOSED);
            throw new AssertionError("socket closed instead of a message");
        }
        return m;
    }

    /** Returns the next message if one arrives within {@code wait}; null on timeout or once the socket is closed. */
    public String poll(Duration wait) throws InterruptedException {
        String m = messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (m == CLOSED) {
            messages.add(CLOSED);
            return null;
        }
        return m;
    }

    /** Waits for the server's close and returns its code. */
    public int closeCode() throws Exception {
        return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS)[0];
    }

    /** Waits for the server's close and returns its reason. */
    public String closeReason() throws Exception {
        return closeReason.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Returns true once the socket is closed. */
    public boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
            try {
                closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                ws.abort();
            }
        }
    }
}
