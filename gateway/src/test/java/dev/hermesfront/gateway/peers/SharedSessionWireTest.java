package dev.hermesfront.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.current.CurrentWireAgent;
import dev.hermesfront.bridge.current.CurrentWireAgentMain;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.upstream.WsRelayLauncher;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: the shared-session wire v1 (tui-wire-current.md §13.2, S1–S10) passes through the front untouched on
 * every path: a local agent (in-process and a stdio process), the dashboard link, and a coordinator's relay to a
 * peer. The stand-in agent speaks it with the {@code shared_session} ready shape; every frame it wrote after the
 * ready reaches the client byte for byte and in order, and the ready keeps its {@code shared_session} member
 * byte for byte (the front's own additions: {@code heartbeat: true} where it answers {@code gateway.ping}, and
 * {@code capabilities.hermes_front.peer} through a coordinator).
 */
class SharedSessionWireTest {
    private static final ObjectMapper MAPPER = AgentJson.newMapper();
    private static final String INNER_TOKEN = "shared-session-inner-token";
    private static final String COORD_TOKEN = "shared-session-coordinator-token";
    private static final String READ_TOKEN = "shared-session-read-token";
    private static final Pattern SHARED = Pattern.compile("\"shared_session\": \\{[^}]*\\}");

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }

    private static CurrentWireLauncher standIn() {
        return new CurrentWireLauncher(MAPPER, new FrameCodec(), CurrentWireAgent.Ready.SHARED_SESSION);
    }

    private GatewayServer server(AgentLauncher launcher, String token) throws Exception {
        // The credential delegates: a coordinator in front of this server acts for its users (issue 21, F3).
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), dev.hermesfront.gateway.config.Credentials.of(
                java.util.List.of(new dev.hermesfront.gateway.config.Credential.Token("token", Secret.of(token), "admin")),
                java.util.Set.of("token")))).parking(ParkingPolicy.disabled()).get();
        GatewayServer s = GatewayServer.builder(cfg, launcher).build().start();
        open.add(s);
        return s;
    }

    @Test
    void aLocalAgentsSharedSessionWireArrivesByteForByteAndTheFrontSaysHeartbeat() throws Exception {
        CurrentWireLauncher agent = standIn();
        TestGateway gw = TestGateway.start(agent, c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
        open.add(gw);
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            Script s = drive(c);
            s.assertUntouched(agent.written());
            JsonNode ready = MAPPER.readTree(s.got.get(0)).path("params").path("payload");
            assertTrue(ready.path("heartbeat").asBoolean(), "the front answers gateway.ping, and says so: " + ready);
            assertFalse(ready.has("protocol"), "no protocol member is invented: " + ready);
            assertFalse(agent.received().contains("gateway.ping"), "the front answered the ping itself: " + agent.received());
        }
    }

    @Test
    void aStdioAgentProcessSpeakingTheSharedSessionWireKeepsEveryMember() throws Exception {
        TestGateway gw = TestGateway.start(new ProcessLauncher(TestGateway.javaMain(CurrentWireAgentMain.class, "--shared-session")),
                c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
        open.add(gw);
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            Script s = drive(c);
            s.assertMembers();
            assertTrue(MAPPER.readTree(s.got.get(0)).path("params").path("payload").path("heartbeat").asBoolean(), s.got.get(0));
        }
    }

    @Test
    void theDashboardLinkPassesTheSharedSessionWireThroughUntouched() throws Exception {
        CurrentWireLauncher agent = standIn();
        GatewayServer dash = server(agent, INNER_TOKEN);
        TestGateway gw = TestGateway.start(io -> WsRelayLauncher.dashboard(io.ws(), URI.create("ws://127.0.0.1:" + dash.port()
                + "/api/ws"), INNER_TOKEN, Duration.ofSeconds(5), 1 << 20), c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
        open.add(gw);
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            drive(c).assertUntouched(agent.written());
        }
    }

    @Test
    void aCoordinatorRelaysTheSharedSessionWireUntouched() throws Exception {
        CurrentWireLauncher agent = standIn();
        String peerToken = "shared-session-peer-token";
        GatewayServer peer = server(agent, peerToken);
        GatewayServer coordinator = Coordinators.start(Coordinators.config(new InetSocketAddress("127.0.0.1", 0),
                "peers:\n  - {name: studio, url: \"http://127.0.0.1:" + peer.port() + "\", token: " + peerToken + "}\n",
                COORD_TOKEN, READ_TOKEN, Map.of()));
        open.add(coordinator);
        URI relay = URI.create("ws://127.0.0.1:" + coordinator.port() + "/peers/studio/api/ws?token=" + COORD_TOKEN);
        try (WsTestClient c = WsTestClient.connect(relay)) {
            Script s = drive(c);
            s.assertUntouched(agent.written());
            JsonNode ready = MAPPER.readTree(s.got.get(0)).path("params").path("payload");
            assertEquals("studio", ready.path("capabilities").path("hermes_front").path("peer").asText(), ready.toString());
        }
    }

    /** Runs the scenario that makes the agent write every S1–S10 member, and keeps what the client received. */
    private static Script drive(WsTestClient c) throws Exception {
        Script s = new Script(c);
        s.until(f -> f.path("params").path("type").asText().equals("gateway.ready"));
        s.send("{\"jsonrpc\": \"2.0\", \"id\": \"p1\", \"method\": \"gateway.ping\", \"params\": {}}");
        JsonNode pong = s.until(f -> f.path("id").asText().equals("p1"));
        assertTrue(pong.path("result").path("ok").asBoolean(), pong.toString());
        s.send("{\"jsonrpc\": \"2.0\", \"id\": \"r0\", \"method\": \"client.capabilities\", \"params\": {\"server_requests\": true}}");
        s.until(f -> f.path("id").asText().equals("r0"));
        s.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {\"cols\": 80}}");
        JsonNode created = s.until(f -> f.path("id").asText().equals("r1")).path("result");
        String sid = created.path("session_id").asText();
        String stored = created.path("stored_session_id").asText();
        s.send("{\"jsonrpc\": \"2.0\", \"id\": \"r2\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + sid
                + "\", \"text\": \"APPROVE the plan\", \"submission_ref\": \"ref-1\"}}");
        String srq = s.until(f -> f.path("method").asText().equals("approval")).path("id").asText();
        s.send("{\"jsonrpc\": \"2.0\", \"id\": \"r3\", \"method\": \"session.steer\", \"params\": {\"session_id\": \"" + sid
                + "\", \"text\": \"and keep the logs\", \"submission_ref\": \"ref-2\", \"input_visibility\": \"visible\"}}");
        s.until(f -> f.path("params").path("type").asText().equals("message.input"));
        s.send("{\"jsonrpc\": \"2.0\", \"id\": \"r4\", \"method\": \"session.resume\", \"params\": {\"session_id\": \"" + stored + "\"}}");
        s.until(f -> f.path("id").asText().equals("r4"));
        s.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + srq + "\", \"result\": {\"choice\": \"once\"}}");
        s.until(f -> f.path("params").path("type").asText().equals("session.info"));
        s.send("{\"jsonrpc\": \"2.0\", \"id\": \"r5\", \"method\": \"subagent.snapshot\", \"params\": {\"session_id\": \"" + sid + "\"}}");
        s.until(f -> f.path("id").asText().equals("r5"));
        return s;
    }

    /** What a client received (the front's own pong left out), frame by frame. */
    private static final class Script {
        final WsTestClient c;
        final List<String> got = new ArrayList<>();

        Script(WsTestClient c) {
            this.c = c;
        }

        void send(String frame) throws Exception {
            c.send(frame);
        }

        JsonNode until(Predicate<JsonNode> want) throws Exception {
            while (true) {
                String text = c.next();
                JsonNode f = MAPPER.readTree(text);
                if (!f.path("id").asText().equals("p1")) {
                    got.add(text);
                }
                if (want.test(f)) {
                    return f;
                }
            }
        }

        /** Every frame the agent wrote after its ready arrived byte for byte, in order; the ready's S1 member too. */
        void assertUntouched(List<String> written) throws Exception {
            assertEquals(written.subList(1, written.size()), got.subList(1, got.size()), "frames after the ready");
            Matcher agent = SHARED.matcher(written.get(0));
            Matcher client = SHARED.matcher(got.get(0));
            assertTrue(agent.find() && client.find(), written.get(0) + "\n" + got.get(0));
            assertEquals(agent.group(), client.group(), "shared_session byte for byte");
            assertMembers();
        }

        /** Every S1–S10 member is there (tui-wire-current.md §13.2). */
        void assertMembers() throws Exception {
            List<JsonNode> frames = new ArrayList<>();
            for (String g : got) {
                frames.add(MAPPER.readTree(g));
            }
            JsonNode ready = frames.get(0).path("params").path("payload");
            assertEquals(1, ready.path("shared_session").path("version").asInt(), "S1: " + ready);
            assertEquals(32, ready.path("shared_session").path("socket_id").asText().length(), "S1: " + ready);
            assertTrue(frames.stream().anyMatch(f -> f.path("params").path("type").asText().equals("message.delta")
                    && f.path("params").path("turn").path("source").path("kind").asText().equals("connection")), "S2");
            JsonNode submitted = one(frames, "r2").path("result").path("submission");
            assertEquals("ref-1", submitted.path("ref").asText(), "S3, S5: " + submitted);
            assertEquals("starting", submitted.path("disposition").asText(), "S5: " + submitted);
            assertEquals("steered", one(frames, "r3").path("result").path("submission").path("disposition").asText(), "S4, S5");
            JsonNode start = event(frames, "message.start").path("params").path("payload");
            assertTrue(start.has("input") && start.has("inputs") && start.path("inputs_complete").asBoolean(), "S6: " + start);
            JsonNode input = event(frames, "message.input").path("params").path("payload");
            assertEquals("steer", input.path("kind").asText(), "S7: " + input);
            assertTrue(input.has("offset"), "S7: " + input);
            JsonNode complete = event(frames, "message.complete").path("params").path("payload");
            assertEquals(2, complete.path("inputs").size(), "S8: " + complete);
            JsonNode state = event(frames, "session.info").path("params").path("payload").path("submission_state");
            assertEquals(2, state.path("outcomes").size(), "S9: " + state);
            JsonNode resumed = one(frames, "r4").path("result");
            assertTrue(resumed.has("submission_state"), "S9: " + resumed);
            JsonNode inflight = resumed.path("inflight");
            for (String k : List.of("turn", "input", "inputs", "inputs_complete", "input_observations", "input_observations_complete")) {
                assertTrue(inflight.has(k), "S10 " + k + ": " + inflight);
            }
            assertTrue(one(frames, "r5").path("result").has("workers"), "subagent.snapshot");
        }

        private static JsonNode one(List<JsonNode> frames, String id) {
            return frames.stream().filter(f -> f.path("id").asText().equals(id) && !f.has("method")).findFirst()
                    .orElseThrow(() -> new AssertionError("no answer to " + id));
        }

        private static JsonNode event(List<JsonNode> frames, String type) {
            return frames.stream().filter(f -> f.path("params").path("type").asText().equals(type)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + type + " event"));
        }
    }
}
