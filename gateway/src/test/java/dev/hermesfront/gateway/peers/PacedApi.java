package dev.hermesfront.gateway.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A fake API server on 127.0.0.1:0 whose {@code /v1/chat/completions} answers only as fast as the test
 * releases it: streaming, one chunk {@code NAME-i} per {@link #release()}, then {@code [DONE]}; not streaming,
 * the whole answer ({@code "from NAME"}) on the first release. It notes when it flushed each chunk (or the
 * answer), so a test can compare the client's arrival times with what the upstream did. {@code /health} and
 * {@code /v1/models} answer at once. Test double only.
 */
final class PacedApi implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String name;
    private final int chunks;
    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "paced-api");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore releases = new Semaphore(0);
    private final List<Long> written = new ArrayList<>();
    private final CountDownLatch broken = new CountDownLatch(1);
    private volatile boolean closed;

    PacedApi(String name, int chunks) throws IOException {
        this.name = name;
        this.chunks = chunks;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Lets the next chunk (or the whole answer) go. */
    void release() {
        releases.release();
    }

    /** Returns the {@link System#nanoTime()} at which chunk {@code i} (or the answer, 0) was flushed, or -1. */
    synchronized long writtenAt(int i) {
        return i < written.size() ? written.get(i) : -1;
    }

    /** Returns how many chunks (or answers) were flushed so far. */
    synchronized int writtenCount() {
        return written.size();
    }

    /** Waits until a write of a streamed answer failed (whoever read it went away); false if none did in time. */
    boolean awaitBroken(long seconds) throws InterruptedException {
        return broken.await(seconds, TimeUnit.SECONDS);
    }

    private synchronized void wrote() {
        written.add(System.nanoTime());
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = ex.getRequestURI().getPath();
        try {
            if (path.equals("/health")) {
                send(ex, "{\"status\": \"ok\"}");
            } else if (path.equals("/v1/models")) {
                send(ex, "{\"object\": \"list\", \"data\": [{\"id\": \"hermes-" + name + "\"}]}");
            } else if (path.equals("/v1/chat/completions")) {
                if (!MAPPER.readTree(body).path("stream").asBoolean(false)) {
                    if (await()) {
                        send(ex, "{\"id\": \"c-" + name + "\", \"object\": \"chat.completion\", \"choices\": [{\"index\": 0, "
                                + "\"message\": {\"role\": \"assistant\", \"content\": \"from " + name + "\"}}]}");
                        wrote();
                    }
                    return;
                }
                ex.getResponseHeaders().add("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    for (int i = 0; i < chunks; i++) {
                        if (!await()) {
                            return;
                        }
                        out.write(("data: {\"object\": \"chat.completion.chunk\", \"choices\": [{\"delta\": {\"content\": \""
                                + name + "-" + i + "\"}}]}\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        wrote();
                    }
                    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    broken.countDown();
                }
            } else {
                ex.sendResponseHeaders(404, -1);
                ex.close();
            }
        } catch (IOException e) {
            // the coordinator or the peer gave up on us
        }
    }

    private boolean await() {
        try {
            releases.acquire();
            return !closed;
        } catch (InterruptedException e) {
            // close(): the pool is shut down
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void send(HttpExchange ex, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        closed = true;
        releases.release(chunks + 1);
        server.stop(0);
        pool.shutdownNow();
    }
}
