package dev.hermesfront.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's {@code /peers/NAME/api/ws} relay presents the peer's own credential as an
 * {@code Authorization} header on the upgrade (Bearer for a token, Basic for a user), never in the URL, so a
 * peer reached with a Basic user can be relayed too.
 */
class PeerRelayTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String COORD_TOKEN = "relay-coordinator-token-0123";
    private static final String READ_TOKEN = "relay-read-token-0123";
    private static final String PEER_TOKEN = "relay-peer-token-0123";
    private static final String PEER_USER = "coord-relay";
    private static final String PEER_PASSWORD = "relay-pass:word-0123";

    private final List<AutoCloseable> open = new ArrayList<>();
    private GatewayServer coordinator;

    @AfterEach
    void stop() {
        if (coordinator != null) {
            coordinator.close();
        }
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }

    private void coordinator(String peersYaml) throws Exception {
        GatewayConfig cfg = Coordinators.config(new InetSocketAddress("127.0.0.1", 0), "peers:\n" + peersYaml, COORD_TOKEN, READ_TOKEN,
                Map.of("RELAY_PASSWORD", PEER_PASSWORD));
        coordinator = Coordinators.start(cfg);
    }

    private URI relay(String peer) {
        return URI.create("ws://127.0.0.1:" + coordinator.port() + "/peers/" + peer + "/api/ws?token=" + COORD_TOKEN);
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((PEER_USER + ":" + PEER_PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    /** Returns the next upgrade the fake peer saw (probes to /health and /v1/models are skipped). */
    private static FakeUpstream.Seen nextUpgrade(FakeUpstream fake) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            FakeUpstream.Seen s = fake.seen.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (s != null && s.path().equals("/api/ws")) {
                return s;
            }
        }
        throw new AssertionError("the peer saw no upgrade to /api/ws within 5 s");
    }

    @Test
    void sendsThePeersCredentialAsAnAuthorizationHeaderNeverInTheUrl() throws Exception {
        FakeUpstream fake = new FakeUpstream();
        open.add(fake);
        coordinator("  - {name: tok, url: \"" + fake.uri() + "\", token: " + PEER_TOKEN + "}\n"
                + "  - {name: bas, url: \"" + fake.uri() + "\", basic: {user: " + PEER_USER + ", password_env: RELAY_PASSWORD}}\n");
        for (String[] c : new String[][] {{"tok", "Bearer " + PEER_TOKEN}, {"bas", basic()}}) {
            try (WsTestClient client = WsTestClient.connect(relay(c[0]))) {
                FakeUpstream.Seen upgrade = nextUpgrade(fake);
                assertEquals("resume=new", upgrade.query(), "nothing but resume=new (no credential) in the URL of the upgrade to " + c[0]);
                assertEquals(c[1], upgrade.header("authorization"), c[0]);
                assertEquals("laptop; scope=admin", upgrade.header("x-hermes-front-on-behalf-of"),
                        "the coordinator says whom it relays for (issue 21, F3)");
                assertEquals(1, upgrade.headers().get("authorization").size(), "one credential per request");
                assertTrue(upgrade.header("upgrade").equalsIgnoreCase("websocket"), upgrade.headers().toString());
                assertFalse(upgrade.headers().toString().contains(COORD_TOKEN), "the caller's token reached the peer");
                // The fake peer is no WebSocket server: the client is told the agent is unavailable.
                assertEquals(1011, client.closeCode());
            }
        }
    }

    @Test
    void aCoordinatorClientNeverGetsAnotherClientsAgentParkedAtThePeer() throws Exception {
        // Every coordinator client reaches the peer with the one credential the coordinator holds. The coordinator
        // parks nothing here (window 0), so a client leaving ends its relay link and the peer parks that agent.
        GatewayConfig peerConfig = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0),
                Credentials.of(List.of(new Credential.Basic("coordinator", PEER_USER, Secret.of(PEER_PASSWORD), "admin")), java.util.Set.of("coordinator")));
        GatewayServer peer = GatewayServer.builder(peerConfig, new DemoLauncher(MAPPER, new FrameCodec())).build().start();
        open.add(peer);
        coordinator("  - {name: studio, url: \"http://127.0.0.1:" + peer.port() + "\", basic: {user: " + PEER_USER
                + ", password_env: RELAY_PASSWORD}}\ntui:\n  park_window: 0s\n");
        String first;
        try (WsTestClient a = WsTestClient.connect(relay("studio"))) {
            JsonNode ready = MAPPER.readTree(a.next());
            JsonNode hf = ready.path("params").path("payload").path("capabilities").path("hermes_front");
            assertFalse(hf.has("resume_id") || hf.has("role"), "the peer's own announcement reached the client: " + ready);
            a.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {\"cols\": 80}}");
            first = untilId(a, "r1").path("result").path("session_id").asText();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (peer.connections() != 0) {
            assertTrue(System.nanoTime() < deadline, "the relay link to the peer never ended");
            Thread.sleep(10);
        }
        try (WsTestClient b = WsTestClient.connect(relay("studio"))) {
            MAPPER.readTree(b.next());
            b.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.active_list\", \"params\": {}}");
            JsonNode list = untilId(b, "r1");
            assertFalse(list.toString().contains(first), "the second client got the first one's agent back: " + list);
        }
    }

    private static JsonNode untilId(WsTestClient c, String id) throws Exception {
        while (true) {
            JsonNode f = MAPPER.readTree(c.next());
            if (f.path("id").asText().equals(id) && !f.has("method")) {
                return f;
            }
        }
    }

    @Test
    void relaysATuiToAPeerReachedWithABasicUser() throws Exception {
        GatewayConfig peerConfig = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0),
                Credentials.of(List.of(new Credential.Basic("coordinator", PEER_USER, Secret.of(PEER_PASSWORD), "admin")), java.util.Set.of("coordinator")));
        GatewayServer peer = GatewayServer.builder(peerConfig, new DemoLauncher(MAPPER, new FrameCodec())).build().start();
        open.add(peer);
        coordinator("  - {name: studio, url: \"http://127.0.0.1:" + peer.port() + "\", basic: {user: " + PEER_USER
                + ", password_env: RELAY_PASSWORD}}\n");
        try (WsTestClient c = WsTestClient.connect(relay("studio"))) {
            JsonNode ready = MAPPER.readTree(c.next());
            assertEquals("gateway.ready", ready.path("params").path("type").asText(), ready.toString());
            assertEquals("studio", ready.path("params").path("payload").path("capabilities").path("hermes_front").path("peer").asText(), ready.toString());
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {\"cols\": 80}}");
            String sid = null;
            while (sid == null) {
                JsonNode f = MAPPER.readTree(c.next());
                if (f.path("id").asText().equals("r1")) {
                    sid = f.path("result").path("session_id").asText();
                }
            }
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r2\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + sid
                    + "\", \"text\": \"hello\"}}");
            StringBuilder text = new StringBuilder();
            while (true) {
                JsonNode f = MAPPER.readTree(c.next());
                String type = f.path("params").path("type").asText();
                if (type.equals("message.delta") || type.equals("message.complete")) {
                    text.append(f.path("params").path("payload").path("text").asText());
                }
                if (type.equals("message.complete")) {
                    break;
                }
            }
            assertTrue(text.toString().contains("Echo: hello"), text.toString());
        }
    }
}
