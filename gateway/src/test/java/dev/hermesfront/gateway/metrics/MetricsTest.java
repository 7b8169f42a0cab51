package dev.hermesfront.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics}: the exposition parses strictly, needs a credential (a {@code metrics} one opens it and
 * nothing else), and its numbers move when clients attach, frames flow, policy denies and authentication fails.
 */
class MetricsTest {
    static final String READER = "reader-token-0123456789";
    static final String SCRAPER = "scraper-token-0123456789";
    static final String CHATTER = "chat-token-0123456789";
    private FrontFixture front;

    @BeforeEach
    void start() throws Exception {
        front = new FrontFixture(GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Credentials.of(List.of(
                new Credential.Token("reader", Secret.of(READER), "read"),
                new Credential.Token("scraper", Secret.of(SCRAPER), "metrics"),
                new Credential.Token("chatter", Secret.of(CHATTER), "chat")))));
    }

    @AfterEach
    void stop() {
        front.close();
    }

    private List<PrometheusText.Sample> scrape(String token) throws Exception {
        HttpResponse<String> r = front.get("/metrics", "Authorization", "Bearer " + token);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        return PrometheusText.parse(r.body());
    }

    private static double value(List<PrometheusText.Sample> s, String name, Map<String, String> labels) {
        return s.stream().filter(x -> x.name().equals(name) && x.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(PrometheusText.Sample::value).sum();
    }

    @Test
    void needsACredentialAndAMetricsCredentialOpensNothingElse() throws Exception {
        assertEquals(401, front.get("/metrics").statusCode());
        assertEquals(401, front.get("/metrics", "Authorization", "Bearer wrong-token-0123456789").statusCode());
        assertEquals(200, front.get("/metrics", "Authorization", "Bearer " + SCRAPER).statusCode());
        assertEquals(200, front.get("/metrics", "Authorization", "Bearer " + READER).statusCode());
        // The scraper's credential opens no other route and no agent.
        assertEquals(403, front.send(front.request("/api/auth/ws-ticket").header("Authorization", "Bearer " + SCRAPER)
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build()).statusCode());
        try (WsTestClient ws = WsTestClient.connect(URI.create("ws://127.0.0.1:" + front.port() + "/api/ws?token=" + SCRAPER))) {
            assertEquals(4401, ws.closeCode());
        }
        assertEquals(0, front.server.connections());
    }

    @Test
    void theExpositionParsesStrictlyAndHasTheJvmsOwnMetrics() throws Exception {
        List<PrometheusText.Sample> s = scrape(SCRAPER);
        assertTrue(s.stream().anyMatch(x -> x.name().equals("jvm_memory_used_bytes")), "JVM memory");
        assertTrue(s.stream().anyMatch(x -> x.name().startsWith("jvm_gc_")), "JVM GC");
        assertTrue(s.stream().anyMatch(x -> x.name().equals("jvm_threads_live_threads")), "JVM threads");
        assertTrue(s.stream().anyMatch(x -> x.name().equals("process_cpu_usage")), "CPU");
        // The parser is strict: it refuses what a real scraper would refuse.
        assertThrows(AssertionError.class, () -> PrometheusText.parse("# TYPE x counter\nx{a=\"1\",a=\"2\"} 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusText.parse("y 1\n"));
        assertThrows(AssertionError.class, () -> PrometheusText.parse("# TYPE x gauge\nx{a=b} 1\n"));
    }

    @Test
    void numbersMoveWhenClientsAttachFramesFlowAndAuthenticationFails() throws Exception {
        List<PrometheusText.Sample> before = scrape(SCRAPER);
        assertEquals(0, value(before, "hermes_front_ws_clients", Map.of()));
        double failsBefore = value(before, "hermes_front_auth_failures_total", Map.of("carrier", "token"));
        try (WsTestClient ws = WsTestClient.connect(URI.create("ws://127.0.0.1:" + front.port() + "/api/ws?token=" + CHATTER))) {
            ws.next(); // gateway.ready
            ws.send("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"session.create\", \"params\": {}}");
            ws.next();
            ws.send("{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"shell.exec\", \"params\": {\"command\": \"id\"}}");
            assertTrue(ws.next().contains("-32003"));
            List<PrometheusText.Sample> during = scrape(SCRAPER);
            assertEquals(1, value(during, "hermes_front_ws_clients", Map.of()));
            assertEquals(1, value(during, "hermes_front_ws_attaches_total", Map.of("kind", "new")));
            assertEquals(2, value(during, "hermes_front_ws_frames_total", Map.of("direction", "in")));
            assertTrue(value(during, "hermes_front_ws_frames_total", Map.of("direction", "out")) >= 3);
            assertTrue(value(during, "hermes_front_ws_chars_total", Map.of("direction", "in")) > 100);
            assertEquals(1, value(during, "hermes_front_policy_denials_total", Map.of("kind", "ws", "method", "shell.exec")));
        }
        assertEquals(401, front.get("/metrics", "Authorization", "Bearer not-a-token-0123456789").statusCode());
        try (WsTestClient bad = WsTestClient.connect(URI.create("ws://127.0.0.1:" + front.port() + "/api/ws?token=nope"))) {
            assertEquals(4401, bad.closeCode());
        }
        List<PrometheusText.Sample> after = scrape(SCRAPER);
        assertEquals(failsBefore + 2, value(after, "hermes_front_auth_failures_total", Map.of("carrier", "token")),
                "one wrong REST token, one wrong /api/ws token");
        assertEquals(1, value(after, "hermes_front_ws_closes_total", Map.of("code", "4401")));
        assertTrue(value(after, "hermes_front_http_request_duration_seconds_count", Map.of("route", "metrics", "status", "200")) >= 2);
        for (PrometheusText.Sample x : after) {
            for (String v : x.labels().values()) {
                assertFalse(v.contains("0123456789") || v.contains("nope") || v.contains("/") || v.contains("sess"), "a label carries " + v);
            }
        }
    }
}
