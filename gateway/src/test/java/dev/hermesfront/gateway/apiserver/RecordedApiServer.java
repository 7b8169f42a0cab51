package dev.hermesfront.gateway.apiserver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Stands in for the real API server by replaying a {@link Recording}: each request gets the next
 * recorded answer for its method and path, with the recorded status, headers ({@code Server} included)
 * and body; streamed bodies are written chunk by chunk with the recorded gaps (at most 100 ms each),
 * each chunk flushed as one HTTP chunk, and the time each was written is kept. It also checks the
 * request as the real server would see it from a front: the inner key on protected routes and no
 * credential at all on public ones, the body unchanged, {@code X-Hermes-Session-Id} and
 * {@code Idempotency-Key} passed on. Anything off is listed in {@link #problems}. Test double only.
 */
final class RecordedApiServer implements AutoCloseable {
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "connection", "keep-alive", "date");

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "recorded-api-server");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Deque<Recording.Entry>> answers = new HashMap<>();
    private final String key;
    final List<String> problems = new CopyOnWriteArrayList<>();
    /** Write times (System.nanoTime) of each streamed answer's chunks, by exchange name. */
    final Map<String, List<Long>> written = new ConcurrentHashMap<>();

    RecordedApiServer(Recording recording, String key) throws IOException {
        // Like aiohttp, no Nagle: its chunk header and data are separate writes (read once per JVM, at the first server).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        this.key = key;
        for (Recording.Entry e : recording.entries()) {
            answers.computeIfAbsent(e.method() + " " + e.path(), k -> new ArrayDeque<>()).add(e);
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(pool);
        server.createContext("/", this::answer);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Drops the answers meant for requests the front answers itself (so they are not expected here). */
    void skip(String method, String path, String name) {
        Deque<Recording.Entry> q = answers.get(method + " " + path);
        if (q != null) {
            q.removeIf(e -> e.name().equals(name));
        }
    }

    private void answer(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String target = ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
            Recording.Entry e;
            synchronized (answers) {
                Deque<Recording.Entry> q = answers.get(ex.getRequestMethod() + " " + target);
                e = q == null ? null : q.poll();
            }
            if (e == null) {
                problems.add("unexpected request " + ex.getRequestMethod() + " " + target);
                ex.sendResponseHeaders(599, -1);
                return;
            }
            check(e, ex, new String(body, StandardCharsets.UTF_8));
            for (String[] h : e.responseHeaders()) {
                if (!FRAMING.contains(h[0])) {
                    ex.getResponseHeaders().add(h[0], h[1]);
                }
            }
            if (e.streamed()) {
                ex.sendResponseHeaders(e.status(), 0);
                List<Long> times = new ArrayList<>();
                written.put(e.name(), times);
                OutputStream out = ex.getResponseBody();
                double last = e.chunkMs().isEmpty() ? 0 : e.chunkMs().get(0);
                for (int i = 0; i < e.chunks().size(); i++) {
                    long gap = Math.min(100, Math.round(e.chunkMs().get(i) - last));
                    last = e.chunkMs().get(i);
                    if (gap > 0) {
                        Thread.sleep(gap);
                    }
                    out.write(e.chunks().get(i).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    times.add(System.nanoTime());
                }
                out.close();
            } else {
                byte[] b = e.body().getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(e.status(), b.length == 0 ? -1 : b.length);
                if (b.length > 0) {
                    ex.getResponseBody().write(b);
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private void check(Recording.Entry e, HttpExchange ex, String body) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (e.authenticated() && !("Bearer " + key).equals(auth)) {
            problems.add(e.name() + ": the inner key was not injected");
        }
        if (!e.authenticated() && auth != null) {
            problems.add(e.name() + ": a credential was sent on a public route");
        }
        if (ex.getRequestHeaders().containsKey("X-Hermes-Session-Token") || ex.getRequestHeaders().containsKey("Cookie")) {
            problems.add(e.name() + ": a client credential reached the upstream");
        }
        if (e.requestBody() != null && !e.requestBody().equals(body)) {
            problems.add(e.name() + ": body changed on the way: " + body);
        }
        String sid = e.requestHeaders().get("x-hermes-session-id");
        if (sid != null && !sid.equals(ex.getRequestHeaders().getFirst("X-Hermes-Session-Id"))) {
            problems.add(e.name() + ": X-Hermes-Session-Id not passed on");
        }
        if (e.requestHeaders().containsKey("idempotency-key") && ex.getRequestHeaders().getFirst("Idempotency-Key") == null) {
            problems.add(e.name() + ": Idempotency-Key not passed on");
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
