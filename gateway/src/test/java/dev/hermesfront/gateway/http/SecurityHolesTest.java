package dev.hermesfront.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.DashboardStandin;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.RawHttp;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.ConfigLoader;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The holes of the adversarial run (issue 11, item 1 and 4, and the auth parts of 8), against a real
 * uvicorn dashboard stand-in: a read or chat token must not reach a shell by any spelling of a path, through
 * the front or through a coordinator; one credential per request; denials audited.
 */
class SecurityHolesTest {
    static final String ADMIN = "admin-token-0123456789";
    static final String CHAT = "chat-token-0123456789";
    static final String READ = "read-token-0123456789";
    static final String DASH = "dashboard-session-token-0123";
    static final String API_KEY = "sk-inner-api-key-0123456789";

    @TempDir
    Path dir;
    private DashboardStandin dashboard;
    private FakeUpstream api;
    private GatewayServer front;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        dashboard = DashboardStandin.start(DASH);
        api = new FakeUpstream();
        front = gateway("credentials:\n"
                // root is also the coordinator's credential in the peer test: it acts for the coordinator's users.
                + "  - {name: root, token: " + ADMIN + ", scope: admin, delegate: true}\n"
                + "  - {name: laptop, token: " + CHAT + ", scope: chat}\n"
                + "  - {name: phone, token: " + READ + ", scope: read}\n"
                + "  - {name: coord, basic: {user: coord, password: pw-0123456789}, scope: admin}\n"
                + "api: {upstream: \"" + api.uri() + "\", key: " + API_KEY + "}\n"
                + "dashboard: {upstream: \"" + dashboard.uri() + "\", token: " + DASH + "}\n"
                + "audit_log: " + dir.resolve("audit.jsonl") + "\n");
    }

    private GatewayServer gateway(String yaml) throws Exception {
        Path file = Files.createTempFile(dir, "front", ".yaml");
        Files.writeString(file, yaml);
        ConfigLoader.Loaded loaded = ConfigLoader.load(new ConfigLoader.Input(Map.of("config", List.of(file.toString()),
                "listen", List.of("127.0.0.1:0")), Map.of(), dir, false, false, () -> "unused"));
        return GatewayServer.builder(loaded.gateway(), new DemoLauncher(new ObjectMapper(), new FrameCodec())).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        if (front != null) {
            front.close();
        }
        if (api != null) {
            api.close();
        }
        if (dashboard != null) {
            dashboard.close();
        }
    }

    private URI ws(GatewayServer g, String rawPathAndQuery) {
        return URI.create("ws://127.0.0.1:" + g.port() + rawPathAndQuery);
    }

    /** Returns the HTTP status of a refused handshake, or 101 when the socket opened. */
    private int handshake(URI uri) throws Exception {
        try (WsTestClient c = WsTestClient.connect(uri, http)) {
            return 101;
        } catch (ExecutionException e) {
            WebSocketHandshakeException h = assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
            return h.getResponse().statusCode();
        }
    }

    private String audit() throws Exception {
        Path f = dir.resolve("audit.jsonl");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String text = "";
        while (System.nanoTime() < deadline) {
            text = Files.exists(f) ? Files.readString(f) : "";
            if (text.contains("\"event\":\"upgrade_denied\"") || text.contains("upgrade_denied")) {
                break;
            }
            Thread.onSpinWait();
        }
        return text;
    }

    @ParameterizedTest
    @ValueSource(strings = {READ, CHAT})
    void readAndChatTokensCannotOpenTheDashboardPtyByAnySpelling(String token) throws Exception {
        for (String path : List.of("/api/pty", "/api/%70ty", "/api//pty", "/api/./pty", "/x/../api/pty", "/api/pty/", "/api/console")) {
            assertEquals(403, handshake(ws(front, path + "?token=" + token)), path);
        }
        assertFalse(dashboard.saw("/api/pty"), "a denied upgrade reached the dashboard: " + dashboard.seen());
        String audit = audit();
        assertTrue(audit.contains("upgrade_denied"), audit);
        assertFalse(audit.contains(token), "the audit log holds a token");
    }

    @Test
    void anAdminStillReachesTheDashboardPtyWithTheInnerTokenInjected() throws Exception {
        try (WsTestClient c = WsTestClient.connect(ws(front, "/api/pty?token=" + ADMIN), http)) {
            c.send("id");
            assertEquals("pty:id", c.next());
        }
        assertTrue(audit().contains("upgrade_call"), "every upgrade is audited");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api%2Fws", "/api%2fws", "/api%5Cws", "/api%2E%2E/ws", "/api;x/ws", "/api/ws;x", "/api/..%2Fws"})
    void refusesPathsThatAnotherLayerWouldReadDifferently(String path) throws Exception {
        for (String token : List.of(READ, ADMIN)) {
            assertEquals(400, handshake(ws(front, path + "?token=" + token)), path);
        }
        String raw = RawHttp.exchange(front.port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + front.port()
                + "\r\nX-Hermes-Session-Token: " + ADMIN + "\r\nConnection: close\r\n\r\n");
        assertEquals(400, RawHttp.status(raw), raw);
        assertFalse(dashboard.saw("/api/ws"), "the dashboard's own /api/ws was reached: " + dashboard.seen());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/ws/", "/API/WS", "/Api/Ws/", "/x/api/ws"})
    void otherSpellingsOfTheTuiChannelNeverReachAnUpstream(String path) throws Exception {
        int status = handshake(ws(front, path + "?token=" + ADMIN));
        assertEquals(404, status, path);
        assertFalse(dashboard.saw("/api/ws"), "the dashboard's own /api/ws was reached: " + dashboard.seen());
    }

    @Test
    void theDashboardApiNeedsAdminEvenForReads() throws Exception {
        assertEquals(403, get("/api/env", "Authorization", "Bearer " + READ).statusCode());
        assertEquals(403, get("/api/env", "Authorization", "Bearer " + CHAT).statusCode());
        HttpResponse<String> admin = get("/api/env", "Authorization", "Bearer " + ADMIN);
        assertEquals(200, admin.statusCode(), admin.body());
        assertEquals(200, get("/api/status", "Authorization", "Bearer " + READ).statusCode());
    }

    @Test
    void thePolicySeesTheNormalizedPath() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.port()
                        + "/v1/chat/completions/../../../api/jobs")).header("Authorization", "Bearer " + CHAT)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), "POST /api/jobs creates a cron job: admin only; " + r.body());
        assertTrue(api.seen.isEmpty(), "nothing reached the API server");
    }

    @Test
    void aTokenInTheQueryOfAnUpgradeIsJudgedAsASocket() throws Exception {
        String raw = RawHttp.exchange(front.port(), "GET /v1/models?token=" + READ + " HTTP/1.1\r\nHost: 127.0.0.1:" + front.port()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertEquals(403, RawHttp.status(raw), raw);
        assertTrue(api.seen.isEmpty(), "nothing reached the API server");
    }

    @Test
    void refusesSeveralCredentialsInOneRequestAndCountsEveryWrongOne() throws Exception {
        String rightGuess = "Basic " + Base64.getEncoder().encodeToString("coord:pw-0123456789".getBytes(StandardCharsets.UTF_8));
        String wrongGuess = "Basic " + Base64.getEncoder().encodeToString("coord:guess".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> right = get("/v1/models", "X-Hermes-Session-Token", READ, "Authorization", rightGuess);
        HttpResponse<String> wrong = get("/v1/models", "X-Hermes-Session-Token", READ, "Authorization", wrongGuess);
        assertEquals(400, right.statusCode());
        assertEquals(400, wrong.statusCode());
        assertEquals(right.body(), wrong.body(), "the answer must not tell a right guess from a wrong one");
        assertFalse(right.body().contains("phone") || right.body().contains("coord"), "no credential is named: " + right.body());
        // Two Authorization headers, a header plus a query token on an upgrade: refused too.
        String raw = RawHttp.exchange(front.port(), "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:" + front.port()
                + "\r\nAuthorization: Bearer " + READ + "\r\nAuthorization: Bearer " + ADMIN + "\r\nConnection: close\r\n\r\n");
        assertEquals(400, RawHttp.status(raw), raw);
        assertEquals(400, handshake(ws(front, "/api/pty?token=" + ADMIN + "&token=" + ADMIN)));
        // Every wrong credential counts: the address is locked out after the default 10 failures.
        int status = 0;
        for (int i = 0; i < 12 && status != 429; i++) {
            status = get("/v1/models", "X-Hermes-Session-Token", READ, "Authorization", wrongGuess).statusCode();
        }
        assertEquals(429, status, "guesses riding along with a valid token must lock the address out");
        assertTrue(api.seen.isEmpty(), "nothing reached the API server");
    }

    @Test
    void aReadTokenThroughACoordinatorGetsNoShellEither() throws Exception {
        GatewayServer coord = gateway("credentials:\n"
                + "  - {name: root, token: coord-admin-0123456789, scope: admin}\n"
                + "  - {name: phone, token: coord-read-0123456789, scope: read}\n"
                + "peers:\n  - {name: box, url: \"http://127.0.0.1:" + front.port() + "\", token: " + ADMIN + "}\n");
        try {
            assertEquals(403, handshake(ws(coord, "/peers/box/api/pty?token=coord-read-0123456789")));
            assertEquals(400, handshake(ws(coord, "/peers/box/api%2Fws?token=coord-read-0123456789")));
            assertEquals(403, handshake(ws(coord, "/peers/box/api/ws/?token=coord-read-0123456789")));
            assertEquals(403, handshake(ws(coord, "/peers/box/API/WS?token=coord-read-0123456789")));
            assertFalse(dashboard.saw("/api/pty") || dashboard.saw("/api/ws"), dashboard.seen().toString());
            try (WsTestClient c = WsTestClient.connect(ws(coord, "/peers/box/api/pty?token=coord-admin-0123456789"), http)) {
                c.send("id");
                assertEquals("pty:id", c.next(), "an admin at the coordinator still reaches the peer's dashboard");
            }
        } finally {
            coord.close();
        }
    }

    @Test
    void invalidFramesSpendTheCredentialsMessageRateToo() throws Exception {
        GatewayServer limited = gateway("credentials:\n  - {name: phone, token: " + READ + ", scope: read}\n"
                + "limits: {ws_burst: 5, ws_per_second: 0.1}\n");
        try (WsTestClient c = WsTestClient.connect(ws(limited, "/api/ws?token=" + READ), http)) {
            assertTrue(c.next().contains("gateway.ready"));
            for (int i = 0; i < 20; i++) {
                c.send("{not json");
            }
            c.send("{\"jsonrpc\":\"2.0\",\"id\":\"last\",\"method\":\"config.get\",\"params\":{}}");
            int answered = 0;
            String m;
            while ((m = c.poll(Duration.ofMillis(500))) != null) {
                if (m.contains("-32700")) {
                    answered++;
                }
                if (m.contains("\"last\"")) {
                    assertTrue(m.contains("-32004"), "the valid call after the flood is rate limited too: " + m);
                }
            }
            assertTrue(answered <= 5, "only the burst of invalid frames is answered, not " + answered);
            assertFalse(c.isClosed(), "the connection stays open");
        } finally {
            limited.close();
        }
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.port() + path)).headers(headers).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
