package dev.hermesfront.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.ConfigLoader;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, F3: a coordinator acts on behalf of its user, never as itself. A real coordinator front and a real peer
 * front, in-process: the peer knows the coordinator's credential ({@code coord}, admin, {@code delegate: true}) and a
 * direct admin token; the coordinator has alice and bob ({@code chat}) and a reader ({@code read}). At the peer,
 * every relayed request and socket is {@code coord/alice} or {@code coord/bob} with the user's own scope: tickets
 * minted through the coordinator carry it, each user's agents are theirs ({@code /front/agents}, joining, share
 * links), and the peer's audit names them. A credential not configured to delegate cannot assert a user.
 */
class DelegationTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String COORD = "coordinator-peer-token-0123";
    private static final String DIRECT = "direct-admin-token-0123";
    private static final String ALICE = "alice-token-0123456789";
    private static final String BOB = "bob-token-0123456789ab";
    private static final String READER = "reader-token-0123456789";
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> open = new ArrayList<>();
    private GatewayServer peer;
    private GatewayServer coordinator;
    private Path audit;
    /** What the peer's next reload reads; null: its first configuration. */
    private volatile GatewayConfig next;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        audit = dir.resolve("peer-audit.jsonl");
        GatewayConfig p = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Credentials.of(List.of(
                new Credential.Token("coord", Secret.of(COORD), "admin"), new Credential.Token("direct", Secret.of(DIRECT), "admin")),
                Set.of("coord")));
        p = ConfigEdit.edit(p).audit(audit).get();
        GatewayConfig first = p;
        peer = GatewayServer.builder(p, new DemoLauncher(MAPPER, new FrameCodec())).source(() -> new ConfigSource.Fresh(next != null ? next : first,
                List.of())).build().start();
        Path yaml = dir.resolve("coordinator.yaml");
        Files.writeString(yaml, "credentials:\n"
                + "  - {name: alice, token: " + ALICE + ", scope: chat}\n"
                + "  - {name: bob, token: " + BOB + ", scope: chat}\n"
                + "  - {name: reader, token: " + READER + ", scope: read}\n"
                + "peer_probe_interval: 1s\n"
                + "peers:\n  - {name: p1, url: \"http://127.0.0.1:" + peer.port() + "\", token: " + COORD + "}\n");
        GatewayConfig c = ConfigLoader.load(new ConfigLoader.Input(Map.of("config", List.of(yaml.toString()), "listen",
                List.of("127.0.0.1:0")), Map.of(), dir, false, false, () -> "unused")).gateway();
        coordinator = GatewayServer.builder(c, new DemoLauncher(MAPPER, new FrameCodec())).build().start();
    }

    @AfterEach
    void stop() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // keep closing
            }
        }
        if (coordinator != null) {
            coordinator.close();
        }
        if (peer != null) {
            peer.close();
        }
    }

    private HttpResponse<String> call(GatewayServer at, String method, String path, String token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.port() + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody());
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private WsTestClient relay(String token) throws Exception {
        WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + coordinator.port() + "/peers/p1/api/ws?token=" + token));
        open.add(c);
        assertTrue(c.next().contains("gateway.ready"));
        return c;
    }

    private static JsonNode untilId(WsTestClient c, String id) throws Exception {
        while (true) {
            JsonNode f = MAPPER.readTree(c.next());
            if (f.path("id").asText().equals(id) && !f.has("method")) {
                return f;
            }
        }
    }

    /** Returns the ids of the agents {@code token}'s user sees at the peer, asked through the coordinator. */
    private List<String> agentsThroughCoordinator(String token) throws Exception {
        HttpResponse<String> r = call(coordinator, "GET", "/peers/p1/front/agents", token);
        assertEquals(200, r.statusCode(), r.body());
        List<String> ids = new ArrayList<>();
        MAPPER.readTree(r.body()).path("agents").forEach(a -> ids.add(a.path("id").asText()));
        return ids;
    }

    /** Returns each agent at the peer (as its direct admin sees them) by owner name. */
    private Map<String, String> ownersAtPeer() throws Exception {
        HttpResponse<String> r = call(peer, "GET", "/front/agents", DIRECT);
        assertEquals(200, r.statusCode(), r.body());
        Map<String, String> owners = new java.util.HashMap<>();
        MAPPER.readTree(r.body()).path("agents").forEach(a -> owners.put(a.path("owner").asText(), a.path("id").asText()));
        return owners;
    }

    @Test
    void aTicketMintedThroughTheCoordinatorIsTheUsersNotTheCoordinators() throws Exception {
        HttpResponse<String> r = call(coordinator, "POST", "/peers/p1/api/auth/ws-ticket", ALICE);
        assertEquals(200, r.statusCode(), r.body());
        String ticket = MAPPER.readTree(r.body()).path("ticket").asText();
        try (WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + peer.port() + "/api/ws?ticket=" + ticket))) {
            assertTrue(c.next().contains("gateway.ready"));
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"x1\", \"method\": \"shell.exec\", \"params\": {\"command\": \"id\"}}");
            JsonNode answer = untilId(c, "x1");
            assertEquals(-32003, answer.path("error").path("code").asInt(), "alice is chat, not the coordinator's admin: " + answer);
        }
        assertTrue(ownersAtPeer().containsKey("coord/alice"), "the ticket's agent is alice's at the peer: " + ownersAtPeer());
    }

    @Test
    void eachUserSeesAndSharesOnlyTheirOwnAgentsAtThePeerAndTheAuditNamesThem() throws Exception {
        WsTestClient alice = relay(ALICE);
        WsTestClient bob = relay(BOB);
        alice.send("{\"jsonrpc\": \"2.0\", \"id\": \"a1\", \"method\": \"session.create\", \"params\": {}}");
        untilId(alice, "a1");
        Map<String, String> owners = ownersAtPeer();
        assertTrue(owners.containsKey("coord/alice") && owners.containsKey("coord/bob"), "one agent per user at the peer: " + owners);
        assertFalse(owners.containsKey("coord"), "no agent is the coordinator's own: " + owners);
        String aliceAgent = owners.get("coord/alice");
        String bobAgent = owners.get("coord/bob");

        assertEquals(List.of(aliceAgent), agentsThroughCoordinator(ALICE), "alice sees hers only");
        assertEquals(List.of(bobAgent), agentsThroughCoordinator(BOB), "bob sees his only");
        assertEquals(List.of(), agentsThroughCoordinator(READER), "a read user sees nobody else's agents");

        HttpResponse<String> share = call(coordinator, "POST", "/peers/p1/front/agents/" + aliceAgent + "/share", BOB,
                "Content-Type", "application/json");
        assertTrue(share.statusCode() == 403 || share.statusCode() == 404, "bob cannot share alice's agent: " + share.statusCode() + " " + share.body());
        HttpResponse<String> own = call(coordinator, "POST", "/peers/p1/front/agents/" + aliceAgent + "/share", ALICE,
                "Content-Type", "application/json");
        assertEquals(201, own.statusCode(), "alice shares her own: " + own.body());

        String lines = awaitAudit("coord/bob");
        assertTrue(lines.contains("\"credential\": \"coord/alice\"") || lines.contains("\"credential\":\"coord/alice\""), lines);
        assertFalse(lines.matches("(?s).*\"credential\": ?\"coord\"[,}].*"), "no line names the coordinator itself: " + lines);
    }

    @Test
    void onlyADelegatingCredentialMayNameAUser() throws Exception {
        HttpResponse<String> r = call(peer, "GET", "/front/agents", DIRECT, "X-Hermes-Front-On-Behalf-Of", "mallory; scope=admin");
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("delegation_not_allowed"), r.body());
        r = call(peer, "GET", "/front/agents", COORD, "X-Hermes-Front-On-Behalf-Of", "alice scope admin");
        assertEquals(400, r.statusCode(), r.body());
        // The asserted scope never exceeds what the coordinator may: and a chat user stays chat.
        r = call(peer, "POST", "/front/reload", COORD, "X-Hermes-Front-On-Behalf-Of", "alice; scope=chat");
        assertEquals(403, r.statusCode(), "coord/alice (chat) may not reload: " + r.body());
        assertTrue(awaitAudit("delegation_refused").contains("direct"));
        // No configured credential may look like a coordinator's user.
        dev.hermesfront.gateway.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.hermesfront.gateway.config.ConfigException.class,
                () -> Credentials.of(List.of(new Credential.Token("coord/alice", Secret.of("spoof-token-0123456789"), "admin"))));
        assertTrue(e.getMessage().contains("/"), e.getMessage());
    }

    @Test
    void aReloadThatTakesDelegationAwayEndsEveryDelegatedPrincipal() throws Exception {
        relay(ALICE);
        long registered = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (peer.connections() != 1) {
            assertTrue(System.nanoTime() < registered, "alice's relay at the peer");
            Thread.sleep(20);
        }
        next = peer.running().withAuth(new dev.hermesfront.gateway.config.AuthSettings(Credentials.of(List.of(
                new Credential.Token("coord", Secret.of(COORD), "admin"), new Credential.Token("direct", Secret.of(DIRECT), "admin")))));
        assertTrue(peer.reload().applied());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (peer.connections() != 0) {
            assertTrue(System.nanoTime() < deadline, "coord/alice's connection outlived the credential's delegation");
            Thread.sleep(20);
        }
        HttpResponse<String> r = call(coordinator, "GET", "/peers/p1/front/agents", ALICE);
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("delegation_not_allowed"), r.body());
    }

    private String awaitAudit(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            String s = Files.exists(audit) ? Files.readString(audit) : "";
            if (s.contains(text)) {
                return s;
            }
            assertTrue(System.nanoTime() < deadline, "no audit line with " + text + " in:\n" + s);
            Thread.sleep(50);
        }
    }
}
