package dev.hermesfront.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.RawHttp;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The API-server proxy: each route family, each auth mode, each guard and the bad inputs of issue 3. */
class RestProxyTest {
    private FakeUpstream api;
    private FrontFixture front;

    @BeforeEach
    void start() throws Exception {
        api = new FakeUpstream();
        GatewayConfig cfg = ConfigEdit.edit(FrontFixture.baseConfig())
                .upstreams(UpstreamConfig.of(api.uri(), Secret.of(FrontFixture.API_KEY)), null)
                .allowed(Set.of("box.tailnet.ts.net"), Set.of("https://app.example"))
                .maxBodyBytes(1000).get();
        front = new FrontFixture(cfg);
    }

    @AfterEach
    void stop() {
        front.close();
        api.close();
    }

    private String bearer() {
        return "Bearer " + FrontFixture.TOKEN;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/models", "/v1/chat/completions", "/v1/responses/resp_1", "/v1/runs/run_1/events",
            "/health/detailed", "/api/jobs", "/api/jobs/0123456789ab/run", "/api/sessions", "/api/sessions/s1/chat/stream"})
    void proxiesEachRouteFamilyWithTheInnerKeyInjected(String path) throws Exception {
        HttpResponse<String> r = front.send(front.request(path + "?limit=5&token=leak").header("Authorization", bearer())
                .header("X-Forwarded-For", "6.6.6.6").header("X-Real-IP", "6.6.6.6").header("X-Forwarded-Prefix", "/x")
                .header("Origin", "https://app.example").header("Cookie", "a=b")
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\": false}")).build());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"ok\": true}", r.body());
        FakeUpstream.Seen s = api.next();
        assertEquals("POST", s.method());
        assertEquals(path, s.path());
        assertEquals("limit=5", s.query(), "front's token parameter never reaches the upstream");
        assertEquals("Bearer " + FrontFixture.API_KEY, s.header("authorization"));
        assertEquals(1, s.headers().get("authorization").size());
        assertEquals("127.0.0.1:" + api.port(), s.header("host"));
        assertEquals("127.0.0.1", s.header("x-forwarded-for"), "overwritten, not appended");
        assertEquals("127.0.0.1", s.header("x-real-ip"));
        assertEquals("127.0.0.1:" + front.port(), s.header("x-forwarded-host"));
        assertNull(s.header("x-forwarded-prefix"));
        assertNull(s.header("origin"), "CORS is done at the front; the API server refuses any Origin");
        assertNull(s.header("cookie"));
        assertEquals("{\"stream\": false}", s.body());
        assertEquals("https://app.example", r.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertTrue(r.headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("X-Hermes-Session-Id"));
    }

    @Test
    void healthIsPublicAndProxiedWhileTheFrontsOwnHealthMoves() throws Exception {
        api.handle("/health", ex -> FakeUpstream.json(ex, 200, "{\"status\": \"ok\", \"platform\": \"hermes-agent\"}"));
        HttpResponse<String> r = front.get("/health");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("hermes-agent"), r.body());
        assertEquals("/health", api.next().path());
        assertEquals(200, front.get("/v1/health").statusCode());
        assertEquals("/v1/health", api.next().path());
        HttpResponse<String> own = front.get("/front/health");
        assertTrue(own.body().contains("\"service\": \"hermes-front\""), own.body());
    }

    @Test
    void passesUpstreamStatusHeadersAndErrorsThroughUnchanged() throws Exception {
        api.handle("/v1/chat/completions", ex -> {
            ex.getResponseHeaders().set("Retry-After", "1");
            ex.getResponseHeaders().set("X-Hermes-Session-Id", "api-0123");
            FakeUpstream.json(ex, 429, "{\"error\": {\"code\": \"rate_limit_exceeded\"}}");
        });
        api.handle("/v1/runs", ex -> FakeUpstream.json(ex, 502, "{\"error\": {\"code\": \"agent_incomplete\"}}"));
        HttpResponse<String> r = front.send(front.request("/v1/chat/completions").header("Authorization", bearer())
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(429, r.statusCode());
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        assertEquals("api-0123", r.headers().firstValue("X-Hermes-Session-Id").orElse(null));
        assertTrue(r.body().contains("rate_limit_exceeded"));
        HttpResponse<String> own502 = front.send(front.request("/v1/runs").header("Authorization", bearer())
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(502, own502.statusCode());
        assertTrue(own502.body().contains("agent_incomplete"), "the API server's own 502 passes as is");
    }

    // ------------------------------------------------------------------ auth modes

    @Test
    void refusesMissingCredentialsWithJson401AndWwwAuthenticate() throws Exception {
        HttpResponse<String> r = front.get("/v1/models");
        assertEquals(401, r.statusCode());
        assertTrue(r.body().contains("\"code\": \"invalid_api_key\""), "the API server's code for a 401: " + r.body());
        assertTrue(r.body().contains("\"front_code\": \"unauthorized\""), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertTrue(r.headers().allValues("WWW-Authenticate").contains("Bearer realm=\"hermes-front\""));
        assertTrue(r.headers().allValues("WWW-Authenticate").stream().anyMatch(v -> v.startsWith("Basic ")));
        assertTrue(api.seen.isEmpty(), "nothing reaches the upstream unauthenticated");
    }

    @Test
    void refusesWrongBearerAndTheInnerKeyItself() throws Exception {
        assertEquals(401, front.get("/v1/models", "Authorization", "Bearer nope").statusCode());
        assertEquals(401, front.get("/v1/models", "Authorization", "Bearer " + FrontFixture.API_KEY).statusCode(),
                "the inner key is not a front credential");
        assertTrue(api.seen.isEmpty());
    }

    @Test
    void acceptsBasicFromTheCoordinatorAndInjectsTheBearerInside() throws Exception {
        HttpResponse<String> r = front.get("/v1/models", "Authorization", FrontFixture.basic(FrontFixture.BASIC_USER, FrontFixture.BASIC_PASSWORD));
        assertEquals(200, r.statusCode());
        assertEquals("Bearer " + FrontFixture.API_KEY, api.next().header("authorization"));
    }

    @Test
    void refusesBasicWithABadPasswordOrUnknownUser() throws Exception {
        assertEquals(401, front.get("/v1/models", "Authorization", FrontFixture.basic(FrontFixture.BASIC_USER, "wrong")).statusCode());
        assertEquals(401, front.get("/v1/models", "Authorization", FrontFixture.basic("eve", FrontFixture.BASIC_PASSWORD)).statusCode());
        assertEquals(401, front.get("/v1/models", "Authorization", "Basic !!!notbase64").statusCode());
        assertTrue(api.seen.isEmpty());
    }

    @Test
    void acceptsTheDesktopAppsSessionTokenHeaderAndStripsIt() throws Exception {
        assertEquals(200, front.get("/api/sessions", "X-Hermes-Session-Token", FrontFixture.TOKEN).statusCode());
        FakeUpstream.Seen s = api.next();
        assertNull(s.header("x-hermes-session-token"));
        assertEquals("Bearer " + FrontFixture.API_KEY, s.header("authorization"));
    }

    @Test
    void ignoresTokenQueryParameterOnPlainHttp() throws Exception {
        assertEquals(401, front.get("/v1/models?token=" + FrontFixture.TOKEN).statusCode());
    }

    // ------------------------------------------------------------------ guards

    @Test
    void refusesAForgedHost() throws Exception {
        String r = RawHttp.exchange(front.port(), "GET /health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
        assertEquals(400, RawHttp.status(r));
        assertTrue(r.contains("host_not_allowed"), r);
        String rebinding = RawHttp.exchange(front.port(), "GET /v1/models HTTP/1.1\r\nHost: attacker.example:" + front.port()
                + "\r\nAuthorization: Bearer " + FrontFixture.TOKEN + "\r\nConnection: close\r\n\r\n");
        assertEquals(400, RawHttp.status(rebinding));
        String allowed = RawHttp.exchange(front.port(), "GET /health HTTP/1.1\r\nHost: box.tailnet.ts.net:" + front.port()
                + "\r\nConnection: close\r\n\r\n");
        assertEquals(200, RawHttp.status(allowed));
        String missing = RawHttp.exchange(front.port(), "GET /health HTTP/1.0\r\n\r\n");
        assertEquals(400, RawHttp.status(missing));
    }

    @Test
    void refusesAHostileOrigin() throws Exception {
        HttpResponse<String> r = front.get("/v1/models", "Authorization", bearer(), "Origin", "http://evil.example");
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("origin_not_allowed"));
        assertEquals(403, front.get("/health", "Origin", "null").statusCode(), "null origins only when configured");
        assertEquals(403, front.get("/health", "Origin", "file://").statusCode());
        assertTrue(api.seen.isEmpty());
    }

    @Test
    void servesSameOriginBrowserRequestsWithoutCorsHeaders() throws Exception {
        HttpResponse<String> r = front.get("/v1/models", "Authorization", bearer(), "Origin", "http://127.0.0.1:" + front.port());
        assertEquals(200, r.statusCode());
        assertFalse(r.headers().firstValue("Access-Control-Allow-Origin").isPresent());
    }

    @Test
    void answersCorsPreflightForAnAllowedOriginBeforeAuth() throws Exception {
        HttpResponse<String> r = front.send(front.request("/v1/sessions/x").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example").header("Access-Control-Request-Method", "PATCH")
                .header("Access-Control-Request-Headers", "x-hermes-session-id").build());
        assertEquals(204, r.statusCode());
        assertEquals("https://app.example", r.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertTrue(r.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("PATCH"));
        assertTrue(r.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("X-Hermes-Session-Id"));
        assertEquals("600", r.headers().firstValue("Access-Control-Max-Age").orElse(null));
        assertTrue(r.headers().allValues("Vary").contains("Origin"));
        assertTrue(api.seen.isEmpty());
        HttpResponse<String> hostile = front.send(front.request("/v1/models").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "GET").build());
        assertEquals(403, hostile.statusCode());
    }

    @Test
    void answers413BeforeReadingAnOversizedBody() throws Exception {
        // Headers only: the body is never sent, so the 413 must come before the front tries to read it.
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), front.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + bearer()
                    + "\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n").getBytes());
            s.getOutputStream().flush();
            String r = RawHttp.readAll(s.getInputStream());
            assertEquals(413, RawHttp.status(r), r);
            assertTrue(r.contains("body_too_large"), r);
        }
        assertTrue(api.seen.isEmpty());
    }

    @Test
    void refusesRequestSmugglingShape() throws Exception {
        String r = RawHttp.exchange(front.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                + bearer() + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(400, RawHttp.status(r), r);
        assertFalse(r.substring(12).contains("HTTP/1.1 200"), "the smuggled request must not be answered: " + r);
        String te = RawHttp.exchange(front.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                + bearer() + "\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n");
        assertEquals(400, RawHttp.status(te), te);
        assertTrue(api.seen.isEmpty(), "no smuggled request reached the upstream");
    }

    @Test
    void neverForwardsALineBreakInsideAHeaderValue() throws Exception {
        // Undertow ends a header line at a bare CR or LF, so the front reads these as two headers; what matters
        // is that the loopback hop sees exactly what the front saw, with no CR/LF inside any value.
        for (String sep : new String[] {"\r", "\n"}) {
            String r = RawHttp.exchange(front.port(), "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + bearer()
                    + "\r\nX-Hermes-Session-Key: a" + sep + "Authorization: Bearer evil\r\nConnection: close\r\n\r\n");
            int status = RawHttp.status(r);
            if (status == 200) {
                FakeUpstream.Seen s = api.next();
                assertEquals(List.of("Bearer " + FrontFixture.API_KEY), s.headers().get("authorization"),
                        "a client Authorization never reaches the upstream");
                for (var e : s.headers().entrySet()) {
                    for (String v : e.getValue()) {
                        assertFalse(v.contains("\n") || v.contains("\r"), "line break forwarded in " + e.getKey());
                    }
                }
            } else {
                assertEquals(400, status, r);
            }
        }
        assertNull(api.seen.poll(100, TimeUnit.MILLISECONDS));
    }

    @Test
    void dropsTheUpstreamsHopByHopResponseHeaders() throws Exception {
        api.handle("/v1/models", ex -> {
            ex.getResponseHeaders().set("Keep-Alive", "timeout=75");
            ex.getResponseHeaders().set("Trailer", "X-Checksum");
            FakeUpstream.json(ex, 200, "{}");
        });
        HttpResponse<String> r = front.get("/v1/models", "Authorization", bearer());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Keep-Alive").isEmpty(), r.headers().map().toString());
        assertTrue(r.headers().firstValue("Trailer").isEmpty(), r.headers().map().toString());
    }

    @Test
    void stripsHopByHopHeadersAndThoseNamedInConnection() throws Exception {
        String r = RawHttp.exchange(front.port(), "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + bearer()
                + "\r\nConnection: close, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic eA==\r\nTE: trailers\r\n\r\n");
        assertEquals(200, RawHttp.status(r), r);
        assertTrue(r.toLowerCase().contains("\r\nconnection: close\r\n"), "close inside a Connection list is honoured: " + r);
        FakeUpstream.Seen s = api.next();
        assertNull(s.header("x-secret-hop"));
        assertNull(s.header("keep-alive"));
        assertNull(s.header("proxy-authorization"));
        assertNull(s.header("te"));
    }
}
