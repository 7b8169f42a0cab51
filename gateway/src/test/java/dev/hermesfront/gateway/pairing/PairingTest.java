package dev.hermesfront.gateway.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.RemoteSettings;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.ops.ConfigSource;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pairing end to end in-process: a code becomes a device token once; the device is a grant of its pairer (capped,
 * following it); used, expired and guessed codes are refused and guesses lock the address out; devices survive a
 * restart; revoking closes the device's sockets with 4403 and refuses its token.
 */
class PairingTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ADMIN = "pairing-admin-token-0123456789";
    private static final String READER = "pairing-reader-token-012345678";

    @TempDir
    Path dir;
    private GatewayServer server;
    private final AtomicReference<GatewayConfig> next = new AtomicReference<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private GatewayConfig config(List<Credential> creds, int failures) {
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Credentials.of(creds)))
                .audit(dir.resolve("audit.jsonl")).lockout(failures, Duration.ofMinutes(1), Duration.ofMinutes(5)).get();
        return cfg.withRemote(RemoteSettings.none().withStateDir(dir.resolve("state")));
    }

    private static List<Credential> creds(String adminScope) {
        return List.of(new Credential.Token("owner", Secret.of(ADMIN), adminScope), new Credential.Token("reader", Secret.of(READER), "read"));
    }

    private void start(GatewayConfig cfg) throws Exception {
        next.set(cfg);
        server = GatewayServer.builder(cfg, new DemoLauncher(new ObjectMapper(), new FrameCodec())).source(() -> new ConfigSource.Fresh(next.get(), List.of())).build().start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> rest(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode mint(String token, String body) throws Exception {
        HttpResponse<String> r = rest("POST", "/front/pair/codes", token, body);
        assertEquals(201, r.statusCode(), r.body());
        return MAPPER.readTree(r.body());
    }

    private HttpResponse<String> redeem(String code, String name) throws Exception {
        return rest("POST", "/front/pair", null, MAPPER.createObjectNode().put("code", code).put("name", name).toString());
    }

    @Test
    void aCodeBecomesADeviceTokenOnceAndTheDeviceIsListedAndRevoked() throws Exception {
        start(config(creds("admin"), 10));
        JsonNode m = mint(ADMIN, "{\"scope\": \"chat\", \"name\": \"phone\"}");
        String code = m.path("code").asText();
        assertEquals("http://127.0.0.1:" + server.port() + "/front/#pair=" + code, m.path("url").asText());
        assertTrue(m.path("qr").path("path").asText().startsWith("M"), m.toString());
        HttpResponse<String> r = redeem(code, "phone");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode paired = MAPPER.readTree(r.body());
        String token = paired.path("token").asText();
        assertEquals("chat", paired.path("scope").asText());
        assertEquals("HERMES_TUI_GATEWAY_URL='ws://127.0.0.1:" + server.port() + "/api/ws?token=" + token + "' hermes --tui",
                paired.path("tui").asText());
        assertEquals(401, redeem(code, "again").statusCode(), "a code is single use");

        JsonNode list = MAPPER.readTree(rest("GET", "/front/devices", ADMIN, null).body()).path("devices");
        assertEquals(1, list.size(), list.toString());
        assertEquals("phone", list.get(0).path("name").asText());
        assertEquals("owner", list.get(0).path("pairer").asText());
        assertEquals("127.0.0.1", list.get(0).path("last_address").asText());
        assertEquals(0, MAPPER.readTree(rest("GET", "/front/devices", READER, null).body()).path("devices").size(),
                "another credential does not see devices it did not pair");
        String file = Files.readString(dir.resolve("state/devices.json"));
        assertFalse(file.contains(token), "the token is stored hashed");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state/devices.json"))));

        // The device's token attaches and chats, within its scope.
        WsTestClient ws = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws?token=" + token));
        assertTrue(ws.next().contains("gateway.ready"));
        assertEquals(404, rest("DELETE", "/front/devices/phone", READER, null).statusCode(),
                "another credential cannot revoke it");
        assertEquals(204, rest("DELETE", "/front/devices/phone", ADMIN, null).statusCode());
        assertEquals(4403, ws.closeCode());
        assertEquals(0, server.agents().all().size(), "its agent is stopped");
        assertEquals(401, rest("GET", "/front/devices", token, null).statusCode(), "the token is refused afterwards");
        WsTestClient again = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws?token=" + token));
        assertEquals(4401, again.closeCode());
        String audit = Files.readString(dir.resolve("audit.jsonl"));
        assertTrue(audit.contains("\"device_paired\"") && audit.contains("\"device_revoked\"") && audit.contains("\"pair_code_minted\""));
    }

    @Test
    void guessedAndUsedCodesAreRefusedAndGuessesLockTheAddressOut() throws Exception {
        start(config(creds("admin"), 3));
        String code = mint(ADMIN, "{}").path("code").asText();
        assertEquals(201, redeem(code, "x").statusCode());
        assertEquals(401, redeem("ABCDEFGHJK", "y").statusCode(), "a guessed code");
        assertEquals(401, redeem(code, "y").statusCode(), "a used code (expired codes: DeviceBookTest)");
        assertEquals(401, redeem("ZZZZZZZZZZ", "y").statusCode());
        HttpResponse<String> locked = redeem("YYYYYYYYYY", "x");
        assertEquals(429, locked.statusCode(), "three failures lock the address out: " + locked.body());
    }

    @Test
    void aDeviceIsCappedByItsPairerAndFollowsIt() throws Exception {
        start(config(creds("admin"), 10));
        assertEquals(403, rest("POST", "/front/pair/codes", READER, "{\"scope\": \"chat\"}").statusCode(), "more than the pairer has");
        JsonNode m = mint(ADMIN, "{\"scope\": \"admin\"}");
        String token = MAPPER.readTree(redeem(m.path("code").asText(), "laptop").body()).path("token").asText();
        assertEquals(200, rest("GET", "/front/devices", token, null).statusCode(), "a device authenticates");
        assertEquals(403, rest("POST", "/front/pair/codes", token, "{}").statusCode(), "a device cannot pair others");
        // Narrow the pairer to read: the device follows (its admin cap no longer counts).
        next.set(config(creds("read"), 10));
        server.reload();
        assertEquals(403, rest("POST", "/front/reload", token, null).statusCode(), "the device is read now");
        // Remove the pairer: the device stands for nothing.
        next.set(config(List.of(new Credential.Token("reader", Secret.of(READER), "read")), 10));
        server.reload();
        assertEquals(401, rest("GET", "/front/devices", token, null).statusCode());
    }

    @Test
    void devicesSurviveARestart() throws Exception {
        start(config(creds("admin"), 10));
        String token = MAPPER.readTree(redeem(mint(ADMIN, "{}").path("code").asText(), "tablet").body()).path("token").asText();
        server.close();
        server = null;
        start(config(creds("admin"), 10));
        assertEquals(200, rest("GET", "/front/devices", token, null).statusCode(), "the device is still paired after a restart");
        JsonNode list = MAPPER.readTree(rest("GET", "/front/devices", ADMIN, null).body()).path("devices");
        assertEquals("tablet", list.get(0).path("name").asText());
        assertEquals("chat", list.get(0).path("scope").asText(), "default scope: chat");
    }
}
