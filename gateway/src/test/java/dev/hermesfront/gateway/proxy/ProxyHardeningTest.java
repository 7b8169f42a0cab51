package dev.hermesfront.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.LogCapture;
import dev.hermesfront.gateway.RawHttp;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 11 item 8, the proxy parts: malformed chunked bodies, the public health route, SSE headers at once. */
class ProxyHardeningTest {
    private FakeUpstream api;
    private FrontFixture front;

    @BeforeEach
    void start() throws Exception {
        api = new FakeUpstream();
        front = new FrontFixture(ConfigEdit.edit(FrontFixture.baseConfig())
                .upstreams(UpstreamConfig.of(api.uri(), Secret.of(FrontFixture.API_KEY)), null)
                .maxBodyBytes(4096).get());
    }

    @AfterEach
    void stop() {
        front.close();
        api.close();
    }

    private static String post(String auth, String chunkedBody) {
        return "POST /v1/runs/run_1/stop HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "Content-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunkedBody;
    }

    private static String bearer() {
        return "Authorization: Bearer " + FrontFixture.TOKEN + "\r\n";
    }

    // ------------------------------------------------------------------ chunked bodies

    @ParameterizedTest
    @ValueSource(strings = {
        "zz\r\n{\"messages\":[]}\r\n0\r\n\r\n",       // not a hex size: Undertow reads it as the last chunk
        "zz\r\n\r\n",                                 // the same with nothing after: a "complete empty" body
        "3\r\nabcXX\r\n0\r\n\r\n",                    // data longer than its size
        "3\nabc\n0\n\n",                              // bare LF line endings
        "-3\r\nabc\r\n0\r\n\r\n",                     // signed size
        "1ffffffffffffffff\r\n",                      // size over 16 hex digits
        "0x3\r\nabc\r\n0\r\n\r\n",                    // 0x prefix
        "3\r\nabc\r\n0\r\n{\"messages\":[]}\r\n\r\n", // trailer that is not a field line
        "3;a\u0001b\r\nabc\r\n0\r\n\r\n"              // control character in an extension
    })
    void answers400ToAMalformedChunkedBodyAndTheUpstreamHearsNothing(String body) throws Exception {
        try (LogCapture log = new LogCapture()) {
            String r = RawHttp.exchange(front.port(), post(bearer(), body));
            assertEquals(400, RawHttp.status(r), r);
            assertTrue(r.contains("\"front_code\": \"invalid_body\"") || r.contains("\"code\": \"invalid_body\""), r);
            assertTrue(r.toLowerCase().contains("connection: close"), "the body's extent is unknown: " + r);
            assertNull(api.seen.poll(300, TimeUnit.MILLISECONDS), "no request, complete or aborted, reached the upstream");
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
            assertTrue(log.atLeast(Level.WARNING).isEmpty(), log.dump());
        }
    }

    @Test
    void dropsAMalformedChunkedBodyOfAnUnauthenticatedCallerWithoutAStackTrace() throws Exception {
        try (LogCapture log = new LogCapture()) {
            String r = RawHttp.exchange(front.port(), post("", "zz\r\n{\"messages\":[]}\r\n0\r\n\r\n"));
            assertEquals(401, RawHttp.status(r), r);
            assertFalse(r.substring(12).contains("HTTP/1.1"), "the rest of the body is not read as another request: " + r);
            assertNull(api.seen.poll(300, TimeUnit.MILLISECONDS));
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
            assertTrue(log.atLeast(Level.WARNING).isEmpty(), log.dump());
        }
    }

    @Test
    void forwardsAWellFormedChunkedBodyWholeWithAContentLength() throws Exception {
        String r = RawHttp.exchange(front.port(), post(bearer(),
                "5;name=\"v\"\r\n{\"a\":\r\n3 \r\n12}\r\n0\r\nX-Checksum: 1\r\n\r\n")
                .replace("Host: 127.0.0.1\r\n", "Host: 127.0.0.1\r\nConnection: close\r\n"));
        assertEquals(200, RawHttp.status(r), r);
        FakeUpstream.Seen s = api.next();
        assertEquals("{\"a\":12}", s.body());
        assertEquals("8", s.header("content-length"));
        assertNull(s.header("transfer-encoding"));
    }

    @Test
    void keepsTheConnectionForTheNextRequestAfterAChunkedBody() throws Exception {
        String two = post(bearer(), "2\r\n{}\r\n0\r\n\r\n") + "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n" + bearer()
                + "Connection: close\r\n\r\n";
        String r = untilClosed(two);
        assertEquals(2, r.split("HTTP/1.1 200 ", -1).length - 1, "both pipelined requests answered: " + r);
        assertEquals("{}", api.next().body());
        assertEquals("/v1/models", api.next().path());
    }

    @Test
    void answers413ToAChunkedBodyOverTheLimit() throws Exception {
        String chunk = "x".repeat(1000);
        String body = ("3e8\r\n" + chunk + "\r\n").repeat(5) + "0\r\n\r\n";
        String r = RawHttp.exchange(front.port(), post(bearer(), body));
        assertEquals(413, RawHttp.status(r), r);
        assertNull(api.seen.poll(300, TimeUnit.MILLISECONDS));
    }

    // ------------------------------------------------------------------ public health

    @Test
    void forwardsThePublicHealthWithoutAnyKey() throws Exception {
        assertEquals(200, front.get("/health").statusCode());
        FakeUpstream.Seen s = api.next();
        assertEquals("/health", s.path());
        assertNull(s.header("authorization"), "an unauthenticated caller must not have the inner key sent for it");
        assertEquals(200, front.get("/v1/health", "Authorization", "Bearer " + FrontFixture.TOKEN, "X-Hermes-Session-Token", "x").statusCode());
        FakeUpstream.Seen v1 = api.next();
        assertNull(v1.header("authorization"));
        assertNull(v1.header("x-hermes-session-token"));
    }

    @Test
    void rateLimitsThePublicHealthPerClientAddress() throws Exception {
        int n = UpstreamProxy.HEALTH_BURST * 3;
        java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all = new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            all.add(front.http.sendAsync(front.request(i % 2 == 0 ? "/health" : "/v1/health").build(), HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        int limited = 0;
        for (var f : all) {
            HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
            if (r.statusCode() == 429) {
                limited++;
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
                assertTrue(r.body().contains("rate_limit"), r.body());
            } else {
                assertEquals(200, r.statusCode());
                ok++;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // What a bucket of HEALTH_BURST refilled at HEALTH_PER_SECOND can have let through in the time taken.
        double allowed = UpstreamProxy.HEALTH_BURST + seconds * UpstreamProxy.HEALTH_PER_SECOND + 1;
        assertTrue(ok <= allowed, ok + " passed in " + seconds + " s, at most " + allowed + " may");
        assertTrue(limited > 0, "a burst of " + n + " is refused in part");
        assertEquals(ok, api.seen.size(), "refused requests never reach the upstream (it records before answering)");
        // Authenticated REST on the same address is not affected.
        assertEquals(200, front.get("/v1/models", "Authorization", "Bearer " + FrontFixture.TOKEN).statusCode());
    }

    /** Sends {@code request} and reads until the front closes the connection (bounded by 5 s). */
    private String untilClosed(String request) throws Exception {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), front.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    // ------------------------------------------------------------------ streamed headers

    @Test
    void sendsStreamHeadersAsSoonAsTheUpstreamDoes() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        api.handle("/v1/runs/run_1/events", ex -> {
            OutputStream out = FakeUpstream.sse(ex);
            out.flush();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            FakeUpstream.event(out, "data: {\"event\":\"run.completed\"}\n\n");
        });
        try {
            // The upstream sent its headers and is silent: the client must have them before any event.
            HttpResponse<InputStream> r = front.http.sendAsync(front.request("/v1/runs/run_1/events")
                    .header("Authorization", "Bearer " + FrontFixture.TOKEN).build(), HttpResponse.BodyHandlers.ofInputStream())
                    .get(5, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(null));
            release.countDown();
            try (InputStream in = r.body()) {
                assertEquals("data: {\"event\":\"run.completed\"}\n\n", new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        } finally {
            release.countDown();
        }
    }
}
