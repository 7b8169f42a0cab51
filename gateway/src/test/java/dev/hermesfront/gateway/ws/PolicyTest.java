package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.EchoAgent;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.policy.AccessPolicy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoped credentials on /api/ws: per-method policy, audit log, lockout. */
class PolicyTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String CHAT = "chat-secret-token-1";
    private static final String READ = "read-secret-token-2";
    private static final String ADMIN = "admin-secret-token-3";

    @TempDir
    Path dir;
    private GatewayServer server;
    private Path audit;

    @BeforeEach
    void start() throws Exception {
        audit = dir.resolve("audit.jsonl");
        Credentials creds = Credentials.of(List.of(new Credential.Token("laptop", Secret.of(CHAT), "chat"),
                new Credential.Token("viewer", Secret.of(READ), "read"), new Credential.Token("ops", Secret.of(ADMIN), "admin")));
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), creds))
                .parking(ParkingPolicy.disabled())
                .audit(audit).lockout(10, Duration.ofMinutes(1), Duration.ofMinutes(5)).get();
        server = GatewayServer.builder(cfg, new ProcessLauncher(TestGateway.javaMain(EchoAgent.class))).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private URI ws(String token) {
        return URI.create("ws://127.0.0.1:" + server.port() + "/api/ws?token=" + token);
    }

    private WsTestClient attach(String token) throws Exception {
        WsTestClient c = WsTestClient.connect(ws(token));
        assertTrue(c.next().contains("gateway.ready"));
        return c;
    }

    private static void assertDenied(WsTestClient c, String id, String method, String scope) throws Exception {
        c.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + id + "\", \"method\": \"" + method + "\", \"params\": {\"command\": \"id\"}}");
        JsonNode err = MAPPER.readTree(c.next());
        assertEquals(id, err.path("id").asText(), "the request's id is kept");
        assertEquals(-32003, err.path("error").path("code").asInt());
        assertTrue(err.path("error").path("message").asText().contains(method + " needs the " + scope + " scope"), err.toString());
    }

    @Test
    void deniesShellAndCliToAChatCredentialAndTheAgentNeverSeesThem() throws Exception {
        try (WsTestClient c = attach(CHAT)) {
            assertDenied(c, "r1", "shell.exec", "admin");
            assertDenied(c, "r2", "cli.exec", "admin");
            assertDenied(c, "r3", "no.such.method", "admin");
            assertDenied(c, "r4", "config.set", "admin");
            // The echo agent echoes whatever reaches it: nothing did. A permitted call still goes through.
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r5\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"s\", \"text\": \"hi\"}}");
            assertEquals("{\"jsonrpc\": \"2.0\", \"id\": \"r5\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"s\", \"text\": \"hi\"}}",
                    c.next());
            assertNull(c.poll(Duration.ofMillis(200)));
        }
    }

    @Test
    void letsAdminRunShellExec() throws Exception {
        try (WsTestClient c = attach(ADMIN)) {
            String f = "{\"jsonrpc\": \"2.0\", \"id\": \"a1\", \"method\": \"shell.exec\", \"params\": {\"command\": \"id\"}}";
            c.send(f);
            assertEquals(f, c.next());
        }
    }

    @Test
    void keepsAReadCredentialFromPrompting() throws Exception {
        try (WsTestClient c = attach(READ)) {
            assertDenied(c, "p1", "prompt.submit", "chat");
            assertDenied(c, "p2", "session.create", "chat");
            String f = "{\"jsonrpc\": \"2.0\", \"id\": \"g1\", \"method\": \"config.get\", \"params\": {\"key\": \"full\"}}";
            c.send(f);
            assertEquals(f, c.next());
        }
    }

    @Test
    void allowsEveryCallTheRealTuiMakesForEverydayChatToAChatCredential() {
        AccessPolicy p = AccessPolicy.builtIn();
        for (String m : List.of("pet.cells", "config.get", "commands.catalog", "setup.status", "session.create", "session.active_list",
                "input.detect_drop", "prompt.submit", "session.interrupt", "terminal.resize", "approval.respond", "clarify.respond",
                "session.resume", "session.activate", "complete.slash", "complete.path", "model.options")) {
            assertTrue(Scope.CHAT.covers(p.forMethod(m)), m);
        }
        for (String m : List.of("shell.exec", "cli.exec", "slash.exec", "config.set", "model.save_key", "plugins.manage", "reload.mcp",
                "skills.manage", "a.method.from.a.newer.agent")) {
            assertEquals(Scope.ADMIN, p.forMethod(m), m);
        }
        assertEquals(Scope.ADMIN, p.forRest("POST", "/api/jobs"));
        assertEquals(Scope.READ, p.forRest("GET", "/api/jobs/123"));
        assertEquals(Scope.CHAT, p.forRest("POST", "/v1/chat/completions"));
    }

    @Test
    void writesAuditLinesForEachDecisionAndNoSecret() throws Exception {
        try (WsTestClient c = attach(CHAT)) {
            assertDenied(c, "r1", "shell.exec", "admin");
        }
        try (WsTestClient c = attach(ADMIN)) {
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"a1\", \"method\": \"cli.exec\", \"params\": {\"argv\": [\"status\"]}}");
            c.next();
        }
        try (WsTestClient c = WsTestClient.connect(ws("wrong-token"))) {
            assertEquals(4401, c.closeCode());
        }
        server.close(); // flushes the audit log
        List<String> lines = Files.readAllLines(audit);
        String all = String.join("\n", lines);
        for (String secret : List.of(CHAT, READ, ADMIN, "wrong-token")) {
            assertFalse(all.contains(secret), "audit log leaked a secret");
        }
        assertFalse(all.contains("\"id\"") && all.contains("params"), "no payloads");
        assertTrue(has(lines, "ws_connect", "laptop", null), all);
        assertTrue(has(lines, "ws_denied", "laptop", "shell.exec"), all);
        assertTrue(has(lines, "ws_call", "ops", "cli.exec"), all);
        assertTrue(has(lines, "ws_refused", null, null), all);
        for (String l : lines) {
            JsonNode n = MAPPER.readTree(l);
            assertTrue(n.has("ts") && n.has("event") && n.has("outcome"), l);
        }
    }

    private static boolean has(List<String> lines, String event, String credential, String method) throws Exception {
        for (String l : lines) {
            JsonNode n = MAPPER.readTree(l);
            if (n.path("event").asText().equals(event) && (credential == null || credential.equals(n.path("credential").asText()))
                    && (method == null || method.equals(n.path("method").asText())) && n.has("peer")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void locksOutABruteForcingAddressWhileAnotherAddressKeepsWorking() throws Exception {
        int refused = 0;
        int locked = 0;
        for (int i = 0; i < 300; i++) {
            try (WsTestClient c = WsTestClient.connect(ws("guess-" + i))) {
                assertEquals(4401, c.closeCode());
                refused++;
            } catch (ExecutionException e) {
                assertTrue(String.valueOf(e.getCause()).contains("429") || String.valueOf(e.getCause().getMessage()).contains("429")
                        || e.getCause() instanceof java.net.http.WebSocketHandshakeException, String.valueOf(e.getCause()));
                locked++;
            }
        }
        assertEquals(10, refused, "the 11th guess onwards is refused before the upgrade");
        assertEquals(290, locked);
        // The right token from the locked address is refused too while the lockout lasts ...
        assertThrows(ExecutionException.class, () -> WsTestClient.connect(ws(CHAT)));
        // ... but a client on another address (127.0.0.2) gets in.
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/ws?token=" + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertTrue(b >= 0);
                head.append((char) b);
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
            // the unmasked server frame that follows is the agent's gateway.ready
            byte[] first = in.readNBytes(4);
            assertEquals((byte) 0x81, first[0]);
        }
    }
}
