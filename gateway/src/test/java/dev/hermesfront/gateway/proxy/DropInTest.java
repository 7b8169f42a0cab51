package dev.hermesfront.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.LogCapture;
import dev.hermesfront.gateway.RawHttp;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.http.SecurityHeadersHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 against fakes: the front behaves like the API server it fronts. No upstream {@code Server}
 * header; its own answers in the OpenAI error shape with the API server's security headers; expected
 * connection endings logged as one DEBUG/INFO line, never an ERROR or a stack trace.
 */
class DropInTest {
    private static final String PROXY_LOGGER = "dev.hermesfront.gateway.proxy";
    private final ObjectMapper json = new ObjectMapper();
    private FrontFixture front;
    private FakeUpstream api;
    private RawUpstream raw;

    @AfterEach
    void stop() throws IOException {
        if (front != null) {
            front.close();
        }
        if (api != null) {
            api.close();
        }
        if (raw != null) {
            raw.close();
        }
    }

    private void start(URI upstream, Duration response) throws Exception {
        front = new FrontFixture(ConfigEdit.edit(FrontFixture.baseConfig())
                .upstreams(ConfigEdit.timeouts(UpstreamConfig.of(upstream, Secret.of(FrontFixture.API_KEY)), Duration.ofSeconds(2), response,
                        Duration.ofSeconds(30)), null)
                .maxBodyBytes(1000)
                .lockout(3, Duration.ofSeconds(60), Duration.ofMinutes(5)).get());
    }

    private String bearer() {
        return "Bearer " + FrontFixture.TOKEN;
    }

    // ------------------------------------------------------------------ Server header

    @Test
    void passesNoServerHeaderOfTheUpstreamAndSendsNoneOfItsOwn() throws Exception {
        raw = new RawUpstream((s, req) -> {
            if (req.startsWith("GET /v1/models")) {
                RawUpstream.write(s, "HTTP/1.1 200 OK\r\nServer: Python/3.11 aiohttp/3.8.4\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 2\r\n\r\n{}");
            } else {
                RawUpstream.write(s, "HTTP/1.1 200 OK\r\nServer: Python/3.11 aiohttp/3.8.4\r\nContent-Type: text/event-stream\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n7\r\ndata: x\r\n0\r\n\r\n");
            }
        });
        start(raw.uri(), Duration.ofSeconds(30));
        HttpResponse<String> r = front.get("/v1/models", "Authorization", bearer());
        assertEquals(200, r.statusCode());
        assertEquals("{}", r.body());
        assertTrue(r.headers().firstValue("Server").isEmpty(), r.headers().map().toString());
        HttpResponse<String> sse = front.send(front.request("/v1/chat/completions").header("Authorization", bearer())
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true}")).build());
        assertEquals("data: x", sse.body());
        assertTrue(sse.headers().firstValue("Server").isEmpty(), sse.headers().map().toString());
        HttpResponse<String> own = front.get("/v1/models");
        assertEquals(401, own.statusCode());
        assertTrue(own.headers().firstValue("Server").isEmpty(), "none of the front's own either");
        String rawAnswer = RawHttp.exchange(front.port(), "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + bearer()
                + "\r\nConnection: close\r\n\r\n");
        assertFalse(rawAnswer.toLowerCase().contains("\r\nserver:"), rawAnswer);
        assertFalse(rawAnswer.contains("aiohttp"), rawAnswer);
    }

    // ------------------------------------------------------------------ own answers

    @Test
    void answersItsOwnErrorsInTheOpenAiShapeWithTheApiServersSecurityHeaders() throws Exception {
        api = new FakeUpstream();
        CountDownLatch release = new CountDownLatch(1);
        api.handle("/v1/responses", ex -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        start(api.uri(), Duration.ofMillis(300));
        try {
            Map<Integer, HttpResponse<String>> answers = new java.util.LinkedHashMap<>();
            answers.put(401, front.get("/v1/models"));
            answers.put(403, front.get("/v1/models", "Authorization", bearer(), "Origin", "http://evil.example"));
            answers.put(404, front.get("/no/such/route", "Authorization", bearer()));
            answers.put(413, front.send(front.request("/v1/chat/completions").header("Authorization", bearer())
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(2000))).build()));
            answers.put(504, front.send(front.request("/v1/responses").header("Authorization", bearer())
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build()));
            for (int i = 0; i < 3; i++) {
                front.get("/v1/models", "Authorization", "Bearer wrong-" + i);
            }
            answers.put(429, front.get("/v1/models", "Authorization", bearer()));
            for (Map.Entry<Integer, HttpResponse<String>> e : answers.entrySet()) {
                HttpResponse<String> r = e.getValue();
                assertEquals(e.getKey(), r.statusCode(), r.body());
                JsonNode err = json.readTree(r.body()).path("error");
                assertTrue(err.path("message").isTextual() && !err.path("message").asText().isEmpty(), r.body());
                assertTrue(err.path("type").isTextual(), r.body());
                assertTrue(err.path("code").isTextual(), r.body());
                assertTrue(err.has("param") && err.get("param").isNull(), r.body());
                assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
                SecurityHeadersHandler.HEADERS.forEach((name, value) ->
                        assertEquals(java.util.List.of(value), r.headers().allValues(name), e.getKey() + " " + name));
            }
            JsonNode unauthorized = json.readTree(answers.get(401).body()).path("error");
            assertEquals("invalid_api_key", unauthorized.path("code").asText(), "the API server's own code for a 401");
            assertEquals("invalid_request_error", unauthorized.path("type").asText());
            assertEquals("unauthorized", unauthorized.path("front_code").asText());
            JsonNode limited = json.readTree(answers.get(429).body()).path("error");
            assertEquals("rate_limit_exceeded", limited.path("code").asText());
            assertEquals("rate_limit_error", limited.path("type").asText());
            assertEquals("locked_out", limited.path("front_code").asText());
            JsonNode timeout = json.readTree(answers.get(504).body()).path("error");
            assertEquals("upstream_timeout", timeout.path("code").asText());
            assertEquals("server_error", timeout.path("type").asText());
            assertFalse(timeout.has("front_code"), "a code no upstream emits needs no second one");
        } finally {
            release.countDown();
        }
    }

    @Test
    void addsTheSecurityHeadersToApiServerAnswersThatLackThemAndKeepsThoseItSet() throws Exception {
        api = new FakeUpstream();
        api.handle("/v1/runs/run_1/events", ex -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, "data: {}\n\n");
        });
        api.handle("/v1/models", ex -> {
            ex.getResponseHeaders().set("X-Frame-Options", "SAMEORIGIN");
            FakeUpstream.json(ex, 200, "{}");
        });
        start(api.uri(), Duration.ofSeconds(30));
        HttpResponse<String> sse = front.get("/v1/runs/run_1/events", "Authorization", bearer());
        assertEquals("text/event-stream", sse.headers().firstValue("Content-Type").orElse(null));
        SecurityHeadersHandler.HEADERS.forEach((name, value) -> assertEquals(value, sse.headers().firstValue(name).orElse(null), name));
        HttpResponse<String> models = front.get("/v1/models", "Authorization", bearer());
        assertEquals(java.util.List.of("SAMEORIGIN"), models.headers().allValues("X-Frame-Options"), "the upstream's value stands");
    }

    @Test
    void sendsTheOneUpstream502InTheOpenAiShape() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        start(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(30));
        try (LogCapture log = new LogCapture(PROXY_LOGGER)) {
            HttpResponse<String> r = front.get("/v1/models", "Authorization", bearer());
            assertEquals(502, r.statusCode());
            JsonNode err = json.readTree(r.body()).path("error");
            assertEquals("upstream_unavailable", err.path("code").asText());
            assertEquals("server_error", err.path("type").asText());
            SecurityHeadersHandler.HEADERS.forEach((name, value) -> assertEquals(value, r.headers().firstValue(name).orElse(null), name));
            assertEquals(1, log.atLeast(Level.WARNING).size(), "one line for the upstream being down:\n" + log.dump());
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
        }
    }

    // ------------------------------------------------------------------ expected endings are not errors

    @Test
    void logsAClientLeavingMidStreamAsOneInfoLineWithoutStackTrace() throws Exception {
        api = new FakeUpstream();
        CountDownLatch upstreamSawClose = new CountDownLatch(1);
        CountDownLatch firstEvent = new CountDownLatch(1);
        api.handle("/v1/chat/completions", ex -> {
            OutputStream out = FakeUpstream.sse(ex);
            try {
                for (int i = 0; i < 500; i++) {
                    FakeUpstream.event(out, "data: {\"i\":" + i + "}\n\n");
                    firstEvent.countDown();
                    Thread.sleep(20);
                }
            } catch (IOException e) {
                upstreamSawClose.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        start(api.uri(), Duration.ofSeconds(30));
        try (LogCapture log = new LogCapture(PROXY_LOGGER)) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + bearer()
                        + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
                assertTrue(s.getInputStream().read(new byte[4096]) > 0);
                assertTrue(firstEvent.await(5, TimeUnit.SECONDS));
            }
            assertTrue(upstreamSawClose.await(5, TimeUnit.SECONDS), "the upstream stream was closed");
            awaitRecord(log, "mid-stream");
            assertEquals(1, log.containing("mid-stream").size(), log.dump());
            assertEquals(Level.INFO, log.containing("mid-stream").get(0).getLevel(), "it ends the agent's turn early");
            assertTrue(log.atLeast(Level.WARNING).isEmpty(), log.dump());
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
        }
    }

    @Test
    void saysNothingAboveDebugWhenAClientLeftBeforeANonStreamAnswer() throws Exception {
        // The front notices only when it writes the answer (non-stream turns run to completion upstream anyway).
        api = new FakeUpstream();
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        api.handle("/v1/chat/completions", ex -> {
            arrived.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            FakeUpstream.json(ex, 200, "{\"object\": \"chat.completion\", \"pad\": \"" + "x".repeat(200_000) + "\"}");
        });
        start(api.uri(), Duration.ofSeconds(30));
        try (LogCapture log = new LogCapture(PROXY_LOGGER, "dev.hermesfront.gateway.http.AccessLogHandler")) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + bearer()
                        + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
                assertTrue(arrived.await(5, TimeUnit.SECONDS));
                s.setSoLinger(true, 0);
            }
            release.countDown();
            awaitRecord(log, "POST /v1/chat/completions");
            assertTrue(log.atLeast(Level.WARNING).isEmpty(), log.dump());
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
        } finally {
            release.countDown();
        }
    }

    @Test
    void treatsAnUpstreamThatClosesAfterItsLastByteAsAnEnding() throws Exception {
        // A close-delimited answer (no Content-Length, no chunking): the close is how the body ends.
        raw = new RawUpstream((s, req) -> {
            RawUpstream.write(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                    + "data: {\"n\":1}\n\ndata: [DONE]\n\n");
            s.shutdownOutput();
        });
        start(raw.uri(), Duration.ofSeconds(30));
        try (LogCapture log = new LogCapture(PROXY_LOGGER)) {
            HttpResponse<String> r = front.send(front.request("/v1/chat/completions").header("Authorization", bearer())
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
            assertEquals(200, r.statusCode());
            assertEquals("data: {\"n\":1}\n\ndata: [DONE]\n\n", r.body());
            HttpResponse<String> again = front.send(front.request("/v1/chat/completions").header("Authorization", bearer())
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
            assertEquals(200, again.statusCode(), "the front's own connection stays usable");
            assertTrue(log.atLeast(Level.WARNING).isEmpty(), log.dump());
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
        }
    }

    @Test
    void logsAResetDuringTheRequestBodyAsOneDebugLine() throws Exception {
        raw = new RawUpstream((s, req) -> {
            // read until the front gives up on the body
            InputStream in = s.getInputStream();
            while (in.read() != -1) {
                // drain
            }
        });
        start(raw.uri(), Duration.ofSeconds(30));
        try (LogCapture log = new LogCapture(PROXY_LOGGER)) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + bearer()
                        + "\r\nContent-Length: 500\r\n\r\n{\"messages\": [").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                assertNotNull(raw.nextRequest(5000), "the request reached the upstream");
                s.setSoLinger(true, 0); // RST instead of FIN
            }
            awaitRecord(log, "request body");
            assertEquals(1, log.containing("request body").size(), log.dump());
            assertEquals(Level.FINE, log.containing("request body").get(0).getLevel());
            assertTrue(log.atLeast(Level.WARNING).isEmpty(), log.dump());
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
        }
    }

    @Test
    void logsAnUpstreamThatBreaksOffMidAnswerAsOneWarningWithTheCause() throws Exception {
        raw = new RawUpstream((s, req) -> {
            RawUpstream.write(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "f\r\ndata: {\"n\":1}\n\n\r\n");
            s.setSoLinger(true, 0);
        });
        start(raw.uri(), Duration.ofSeconds(30));
        try (LogCapture log = new LogCapture(PROXY_LOGGER)) {
            HttpResponse<InputStream> r = front.http.send(front.request("/v1/chat/completions").header("Authorization", bearer())
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofInputStream());
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            assertEquals("data: {\"n\":1}", in.readLine());
            assertThrows(IOException.class, () -> {
                while (in.readLine() != null) {
                    // until the broken stream fails
                }
            });
            awaitRecord(log, "broke off");
            assertEquals(1, log.atLeast(Level.WARNING).size(), log.dump());
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
        }
    }

    @Test
    void leavesTheSecurityHeadersOfFrontsOwnHealthInPlaceWithoutAnApiServer() throws Exception {
        front = new FrontFixture(ConfigEdit.edit(FrontFixture.baseConfig()).allowed(Set.of(), Set.of()).get());
        HttpResponse<String> r = front.get("/front/health");
        assertEquals(200, r.statusCode());
        SecurityHeadersHandler.HEADERS.forEach((name, value) -> assertEquals(value, r.headers().firstValue(name).orElse(null), name));
    }

    private static void awaitRecord(LogCapture log, String text) throws InterruptedException {
        log.await(text, Duration.ofSeconds(5));
    }
}
