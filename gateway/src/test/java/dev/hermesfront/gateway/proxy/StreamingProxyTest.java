package dev.hermesfront.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Streams, timeouts and failures on the proxy path: SSE event by event, disconnects, upstream down/slow/closing. */
class StreamingProxyTest {
    private FakeUpstream api;
    private FrontFixture front;

    private void start(Duration response, Duration idle) throws Exception {
        start(api == null ? (api = new FakeUpstream()).uri() : api.uri(), response, idle);
    }

    private void start(URI upstream, Duration response, Duration idle) throws Exception {
        GatewayConfig cfg = ConfigEdit.edit(FrontFixture.baseConfig()).upstreams(ConfigEdit.timeouts(UpstreamConfig.of(upstream,
                Secret.of(FrontFixture.API_KEY)), Duration.ofSeconds(2), response, idle), null).get();
        front = new FrontFixture(cfg);
    }

    @AfterEach
    void stop() {
        if (front != null) {
            front.close();
        }
        if (api != null) {
            api.close();
        }
    }

    private HttpRequest.Builder post(String path) {
        return front.request(path).header("Authorization", "Bearer " + FrontFixture.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\": true}"));
    }

    @Test
    void deliversEachSseEventBeforeTheUpstreamWritesTheNext() throws Exception {
        // The upstream writes event i only after the client has read event i-1 through the front: any buffering
        // in the front would deadlock this exchange (bounded by the 5 s waits) instead of completing it.
        api = new FakeUpstream();
        SynchronousQueue<String> readByClient = new SynchronousQueue<>();
        String[] events = {
            "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n",
            "event: hermes.tool.progress\ndata: {\"tool\":\"terminal\",\"status\":\"running\"}\n\n",
            ": keepalive\n\n",
            "event: response.output_text.delta\ndata: {\"delta\":\"Hi\",\"sequence_number\":6}\n\n",
            "data: {\"event\":\"run.completed\"}\n\n: stream closed\n\n",
            "data: [DONE]\n\n"};
        api.handle("/v1/chat/completions", ex -> {
            OutputStream out = FakeUpstream.sse(ex);
            for (String e : events) {
                FakeUpstream.event(out, e);
                try {
                    if (readByClient.poll(5, TimeUnit.SECONDS) == null) {
                        return;
                    }
                } catch (InterruptedException ie) {
                    return;
                }
            }
        });
        start(Duration.ofSeconds(30), Duration.ofSeconds(30));
        HttpResponse<InputStream> r = front.http.send(post("/v1/chat/completions").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals("no-cache", r.headers().firstValue("Cache-Control").orElse(null));
        assertTrue(r.headers().firstValue("Content-Length").isEmpty());
        assertTrue(r.headers().firstValue("Content-Encoding").isEmpty(), "no compression around streams");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String e : events) {
                StringBuilder got = new StringBuilder();
                int blankLines = e.split("\n\n", -1).length - 1;
                int seenBlank = 0;
                while (seenBlank < blankLines) {
                    String line = CompletableFuture.supplyAsync(() -> {
                        try {
                            return in.readLine();
                        } catch (IOException io) {
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
                    assertTrue(line != null, "stream ended early");
                    got.append(line).append('\n');
                    if (line.isEmpty()) {
                        seenBlank++;
                    }
                }
                assertEquals(e, got.toString(), "events arrive byte for byte");
                assertTrue(readByClient.offer("ok", 5, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void closesTheUpstreamAtOnceWhenTheClientDisconnectsMidStream() throws Exception {
        api = new FakeUpstream();
        CountDownLatch upstreamSawClose = new CountDownLatch(1);
        CountDownLatch firstEventWritten = new CountDownLatch(1);
        api.handle("/v1/runs/run_1/events", ex -> {
            OutputStream out = FakeUpstream.sse(ex);
            try {
                for (int i = 0; i < 500; i++) {
                    FakeUpstream.event(out, "data: {\"event\":\"message.delta\",\"i\":" + i + "}\n\n");
                    firstEventWritten.countDown();
                    Thread.sleep(20);
                }
            } catch (IOException e) {
                upstreamSawClose.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        start(Duration.ofSeconds(30), Duration.ofSeconds(30));
        try (Socket s = new Socket("127.0.0.1", front.port())) {
            s.getOutputStream().write(("GET /v1/runs/run_1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + FrontFixture.TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(5000);
            byte[] buf = new byte[4096];
            int n = s.getInputStream().read(buf);
            assertTrue(n > 0);
            assertTrue(firstEventWritten.await(5, TimeUnit.SECONDS));
        }
        assertTrue(upstreamSawClose.await(5, TimeUnit.SECONDS), "the upstream connection was closed after the client left");
    }

    @Test
    void answers502UpstreamUnavailableWhenTheUpstreamIsDown() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        start(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(30), Duration.ofSeconds(30));
        HttpResponse<String> r = front.send(post("/v1/chat/completions").build());
        assertEquals(502, r.statusCode());
        assertTrue(r.body().contains("\"code\": \"upstream_unavailable\""), r.body());
        assertTrue(r.body().contains("\"type\": \"server_error\""), r.body());
        assertTrue(r.body().contains("Hermes API server is unavailable"), r.body());
        HttpResponse<String> health = front.get("/health");
        assertEquals(502, health.statusCode(), "public health also says the API server is down");
    }

    @Test
    void answers504UpstreamTimeoutWhenTheUpstreamIsSlow() throws Exception {
        api = new FakeUpstream();
        CountDownLatch release = new CountDownLatch(1);
        api.handle("/v1/chat/completions", ex -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        start(Duration.ofMillis(300), Duration.ofSeconds(30));
        try {
            HttpResponse<String> r = front.send(post("/v1/chat/completions").build());
            assertEquals(504, r.statusCode());
            assertTrue(r.body().contains("\"code\": \"upstream_timeout\""), r.body());
        } finally {
            release.countDown();
        }
    }

    @Test
    void doesNotCutALongTurnShorterThanTheResponseTimeout() throws Exception {
        api = new FakeUpstream();
        api.handle("/v1/chat/completions", ex -> {
            try {
                Thread.sleep(700);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            FakeUpstream.json(ex, 200, "{\"object\": \"chat.completion\"}");
        });
        // Idle timeout shorter than the turn: it applies between body chunks only, never to the wait for headers.
        start(Duration.ofSeconds(5), Duration.ofMillis(200));
        HttpResponse<String> r = front.send(post("/v1/chat/completions").build());
        assertEquals(200, r.statusCode());
        assertEquals("{\"object\": \"chat.completion\"}", r.body());
    }

    @Test
    void closesAStreamThatStaysSilentPastTheIdleTimeout() throws Exception {
        api = new FakeUpstream();
        CountDownLatch release = new CountDownLatch(1);
        api.handle("/v1/runs/run_1/events", ex -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, "data: {\"event\":\"tool.started\"}\n\n");
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        start(Duration.ofSeconds(30), Duration.ofMillis(400));
        try {
            HttpResponse<InputStream> r = front.http.send(front.request("/v1/runs/run_1/events")
                    .header("Authorization", "Bearer " + FrontFixture.TOKEN).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            long t0 = System.nanoTime();
            assertThrows(IOException.class, () -> r.body().readAllBytes(), "an unterminated chunked stream is an error");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 4000, "closed after the idle timeout, took " + ms + " ms");
        } finally {
            release.countDown();
        }
    }

    @Test
    void closesTheClientStreamWhenTheUpstreamClosesMidStream() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (Socket s = upstream.accept()) {
                    s.setSoTimeout(5000);
                    InputStream in = s.getInputStream();
                    while (in.read() != -1) {
                        if (in.available() == 0) {
                            break;
                        }
                    }
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "1b\r\ndata: {\"delta\":\"partial\"}\n\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // the test fails on its own assertions
                }
            });
            start(URI.create("http://127.0.0.1:" + upstream.getLocalPort()), Duration.ofSeconds(30), Duration.ofSeconds(30));
            HttpResponse<InputStream> r = front.http.send(post("/api/sessions/s1/chat/stream").build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            assertEquals("data: {\"delta\":\"partial\"}", in.readLine());
            assertThrows(IOException.class, () -> {
                while (in.readLine() != null) {
                    // drain until the truncated stream fails
                }
            }, "the client must see the stream fail, not a clean end");
        }
    }

    @Test
    void neverRetriesAPostWhoseConnectionDiedBeforeAnAnswer() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket upstream = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket s = upstream.accept()) {
                        accepted.incrementAndGet();
                        s.setSoTimeout(2000);
                        s.getInputStream().read(new byte[8192]);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            start(URI.create("http://127.0.0.1:" + upstream.getLocalPort()), Duration.ofSeconds(30), Duration.ofSeconds(30));
            HttpResponse<String> r = front.send(post("/v1/chat/completions").build());
            assertEquals(502, r.statusCode());
            assertTrue(r.body().contains("upstream_unavailable"), r.body());
            assertEquals(1, accepted.get(), "the POST reached the upstream exactly once");
        }
        assertNull(null);
    }
}
