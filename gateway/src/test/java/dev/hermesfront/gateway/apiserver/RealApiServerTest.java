package dev.hermesfront.gateway.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.LogCapture;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.http.SecurityHeadersHandler;
import dev.hermesfront.gateway.proxy.ApiKeyCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front in front of the REAL Hermes API server (shared/kit/real-api-server.sh: upstream's aiohttp
 * server, real agent turns against the kit's fake model). Runs when {@code HERMES_GIT_DIR} is set and
 * the kit is found ({@link KitApiServer}); otherwise every test is reported skipped with the reason.
 * The same pass ({@link ApiScenarios}) runs direct with the key, and through the front with a token and
 * with Basic: statuses and body shapes must match, the upstream's {@code Server} header must not get
 * through, the security headers must be on every answer, and each stream's first chunk must come
 * within one of the server's own chunk intervals of when it comes direct.
 */
class RealApiServerTest {
    @TempDir
    static Path dir;
    private static KitApiServer server;
    private static FrontFixture front;

    private static String unavailable;

    @BeforeAll
    static void start() throws Exception {
        unavailable = KitApiServer.unavailable().orElse(null);
        if (unavailable != null) {
            System.err.println("RealApiServerTest SKIPPED (every test): " + unavailable);
            return;
        }
        server = new KitApiServer(dir, true);
        front = new FrontFixture(ConfigEdit.edit(FrontFixture.baseConfig()).upstreams(UpstreamConfig.of(server.uri, Secret.of(KitApiServer.KEY)), null).get());
    }

    @BeforeEach
    void needsTheRealServer() {
        Assumptions.assumeTrue(unavailable == null, () -> "SKIPPED: real API server not available: " + unavailable);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (front != null) {
            front.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void answersEveryRouteFamilyLikeTheRealServerDirect() throws Exception {
        String tag = Long.toHexString(System.nanoTime());
        List<ApiScenarios.Exchange> direct = new ApiScenarios(server.uri, "Bearer " + KitApiServer.KEY, "direct-" + tag).run();
        List<ApiScenarios.Exchange> token = new ApiScenarios(front.uri(""), "Bearer " + FrontFixture.TOKEN, "token-" + tag).run();
        List<ApiScenarios.Exchange> basic = new ApiScenarios(front.uri(""),
                FrontFixture.basic(FrontFixture.BASIC_USER, FrontFixture.BASIC_PASSWORD), "basic-" + tag).run();
        List<String> timing = new ArrayList<>();
        for (List<ApiScenarios.Exchange> via : List.of(token, basic)) {
            String how = via == token ? "token" : "basic";
            assertEquals(direct.size(), via.size());
            for (int i = 0; i < direct.size(); i++) {
                ApiScenarios.Exchange d = direct.get(i);
                ApiScenarios.Exchange f = via.get(i);
                String what = f.name() + " via " + how;
                assertEquals(d.status(), f.status(), what + ": " + f.body() + " / direct: " + d.body());
                assertTrue(d.header("server") != null && d.header("server").contains("aiohttp"), "direct, the server names itself");
                assertNull(f.header("server"), what + ": Server header got through");
                SecurityHeadersHandler.HEADERS.forEach((name, value) -> assertEquals(value, f.header(name.toLowerCase()), what + ": " + name));
                if (d.streamed()) {
                    assertTrue(f.streamed(), what);
                    assertEquals(ApiScenarios.eventKinds(d.body()), ApiScenarios.eventKinds(f.body()), what + ": event kinds");
                    double interval = medianGapMs(d);
                    timing.add(String.format("%s: first chunk %.1f ms via front, %.1f ms direct (server's chunk interval %.1f ms)",
                            what, f.firstChunkMs(), d.firstChunkMs(), interval));
                    if (!f.name().equals("run events")) {
                        // Run events start with the agent's first event, whenever that comes: nothing of the front's to time.
                        assertTrue(f.firstChunkMs() <= d.firstChunkMs() + Math.max(interval, 5), what + ": first chunk "
                                + f.firstChunkMs() + " ms via the front vs " + d.firstChunkMs() + " ms direct");
                    }
                } else if (f.name().equals("models without key")) {
                    // The front's own 401: the API server's fields and values, plus param and the front's own code.
                    var mine = f.json().path("error");
                    d.json().path("error").fields().forEachRemaining(e -> {
                        if (!e.getKey().equals("message")) {
                            assertEquals(e.getValue(), mine.path(e.getKey()), what + ": error." + e.getKey());
                        }
                        assertTrue(mine.has(e.getKey()), what + ": error." + e.getKey());
                    });
                } else if (d.header("content-type") != null && d.header("content-type").startsWith("application/json")) {
                    // A job records X-Forwarded-For and X-Real-IP, which the front sets (rest-surface.md §6.3) and curl does not.
                    assertEquals(ApiScenarios.shape(d.body()), ApiScenarios.shape(f.body()).replace("forwarded_for:v,", "").replace("real_ip:v,", ""),
                            what + ": body shape");
                } else {
                    assertEquals(d.body(), f.body(), what + ": the upstream's own text answer passes unchanged");
                }
                assertEquals(d.header("allow"), f.header("allow"), what);
                assertEquals(d.header("x-hermes-session-id") != null, f.header("x-hermes-session-id") != null, what);
            }
            // X-Hermes-Session-Id continuation and Idempotency-Key work through the front.
            ApiScenarios.Exchange first = find(via, "chat completion");
            ApiScenarios.Exchange continued = find(via, "chat completion continued");
            assertEquals(first.header("x-hermes-session-id"), continued.header("x-hermes-session-id"), how + ": continuation");
            // The API server caches the agent's result under the key (the completion id is new each time): the second
            // request must get the first one's result without a second agent turn, as it does direct.
            for (List<ApiScenarios.Exchange> pass : List.of(direct, via)) {
                ApiScenarios.Exchange one = find(pass, "chat completion idempotent 1");
                ApiScenarios.Exchange two = find(pass, "chat completion idempotent 2");
                assertEquals(one.json().path("choices"), two.json().path("choices"), how + ": same result");
                assertEquals(one.json().path("usage"), two.json().path("usage"), how + ": same usage");
                assertTrue(durationMs(two) < durationMs(one) / 2, how + ": the second took " + durationMs(two) + " ms, the first (an agent turn) "
                        + durationMs(one) + " ms");
            }
            assertEquals("404: Not Found", find(via, "profile route").body(), "this fork has no /p/<profile> routes");
            assertEquals("404: Not Found", find(via, "room members").body(), "this fork has no /v1/room-members");
        }
        timing.forEach(System.out::println);
    }

    @Test
    void aClientLeavingMidStreamLeavesNoErrorInTheLog() throws Exception {
        try (LogCapture log = new LogCapture("dev.hermesfront.gateway.proxy")) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
                s.setSoTimeout(60_000);
                byte[] body = ("{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(60) + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + FrontFixture.TOKEN
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(body);
                String seen = "";
                byte[] buf = new byte[8192];
                while (!seen.contains("\"content\"")) {
                    int n = s.getInputStream().read(buf);
                    assertTrue(n > 0, "stream ended before any content: " + seen);
                    seen += new String(buf, 0, n, StandardCharsets.UTF_8);
                }
            }
            log.await("mid-stream", Duration.ofSeconds(30));
            assertTrue(log.atLeast(Level.WARNING).isEmpty(), log.dump());
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
            assertTrue(log.containing("UT005028").isEmpty(), log.dump());
        }
    }

    @Test
    void theKeyCheckSaysTheServerChecksKeys() {
        ApiKeyCheck.Result r = ApiKeyCheck.run(HttpClient.newHttpClient(), UpstreamConfig.of(server.uri, Secret.of(KitApiServer.KEY)), "test");
        assertEquals(ApiKeyCheck.Outcome.ACCEPTED, r.outcome());
        assertEquals(ApiKeyCheck.KeyEnforcement.CHECKS_KEYS, r.enforcement());
    }

    @Test
    void theKeyCheckSaysLoudlyThatAServerOnOldAiohttpDoesNotCheckKeys(@TempDir Path other) throws Exception {
        // KIT_API_NO_AIOHTTP_SHIM=1: upstream's code on Debian's aiohttp 3.8.4 as it is, without the kit's fix.
        try (KitApiServer unchecked = new KitApiServer(other, false)) {
            ApiKeyCheck.Result r = ApiKeyCheck.run(HttpClient.newHttpClient(), UpstreamConfig.of(unchecked.uri, Secret.of(KitApiServer.KEY)), "test");
            assertEquals(ApiKeyCheck.KeyEnforcement.ACCEPTS_ANY_KEY, r.enforcement(), r.toString());
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            r.report(unchecked.uri.toString(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String printed = err.toString(StandardCharsets.UTF_8);
            System.out.println(printed);
            assertTrue(printed.contains("WARNING") && printed.contains("does NOT check keys") && printed.contains("aiohttp older than 3.12"),
                    printed);
        }
    }

    private static ApiScenarios.Exchange find(List<ApiScenarios.Exchange> pass, String name) {
        return pass.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    private static double durationMs(ApiScenarios.Exchange e) {
        return (e.chunkNanos().get(e.chunkNanos().size() - 1) - e.sentNanos()) / 1e6;
    }

    private static double medianGapMs(ApiScenarios.Exchange e) {
        List<Long> t = e.chunkNanos();
        if (t.size() < 2) {
            return 0;
        }
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < t.size(); i++) {
            gaps.add(t.get(i) - t.get(i - 1));
        }
        gaps.sort(Long::compare);
        return gaps.get(gaps.size() / 2) / 1e6;
    }
}
