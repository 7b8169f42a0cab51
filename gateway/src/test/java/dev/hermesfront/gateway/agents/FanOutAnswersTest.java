package dev.hermesfront.gateway.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.current.CurrentWireAgent;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 24, roles over upstream's fan-out (tui-wire-current.md §13.3): upstream gives a session's server→client
 * requests to every attached socket and takes the first answer. Through the front only the client the front routed
 * a request to may settle it: when several clients share one agent socket (the {@code shared_session} ready shape is
 * the current wire too), and when each has its own upstream socket on the same session.
 */
class FanOutAnswersTest {
    private static final ObjectMapper MAPPER = AgentJson.newMapper();
    private static final String APPROVAL = "{\"jsonrpc\": \"2.0\", \"id\": \"srq-0123456789ab\", \"method\": \"approval\", "
            + "\"params\": {\"session_id\": \"s1\", \"request_id\": \"r1\", \"command\": \"rm -rf /\"}}";
    private final List<AutoCloseable> open = new ArrayList<>();
    private TestGateway gw;

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

    private WsTestClient connect(String query) throws Exception {
        WsTestClient c = WsTestClient.connect(gw.wsUri("?token=" + TestGateway.TOKEN + query));
        open.add(c);
        return c;
    }

    private static JsonNode until(WsTestClient c, Predicate<JsonNode> want) throws Exception {
        while (true) {
            JsonNode f = MAPPER.readTree(c.next());
            if (want.test(f)) {
                return f;
            }
        }
    }

    @Test
    void onOneSharedSessionSocketOnlyTheSubmitterMayAnswer() throws Exception {
        CurrentWireLauncher agent = new CurrentWireLauncher(MAPPER, new FrameCodec(), CurrentWireAgent.Ready.SHARED_SESSION);
        gw = TestGateway.start(agent, c -> ConfigEdit.edit(c).parking(ParkingPolicy.defaults()).get());
        open.add(gw);
        WsTestClient owner = connect("&resume=new");
        String agentId = until(owner, f -> f.path("params").path("type").asText().equals("gateway.ready"))
                .path("params").path("payload").path("capabilities").path("hermes_front").path("resume_id").asText();
        WsTestClient tablet = connect("&agent=" + agentId);
        until(tablet, f -> f.path("params").path("type").asText().equals("gateway.ready"));
        for (WsTestClient c : List.of(owner, tablet)) {
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"k\", \"method\": \"client.capabilities\", \"params\": {\"server_requests\": true}}");
            until(c, f -> f.path("id").asText().equals("k"));
        }
        owner.send("{\"jsonrpc\": \"2.0\", \"id\": \"c1\", \"method\": \"session.create\", \"params\": {}}");
        String sid = until(owner, f -> f.path("id").asText().equals("c1")).path("result").path("session_id").asText();
        owner.send("{\"jsonrpc\": \"2.0\", \"id\": \"p1\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + sid
                + "\", \"text\": \"APPROVE it\"}}");
        String srq = until(owner, f -> f.path("method").asText().equals("approval")).path("id").asText();

        tablet.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + srq + "\", \"result\": {\"choice\": \"always\"}}");
        owner.send("{\"jsonrpc\": \"2.0\", \"id\": \"n\", \"method\": \"ping\", \"params\": {}}");
        until(owner, f -> f.path("id").asText().equals("n"));
        assertFalse(agent.received().contains("response \"" + srq + "\""), "the other device's answer never reached the agent: "
                + agent.received());
        owner.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + srq + "\", \"result\": {\"choice\": \"once\"}}");
        JsonNode done = until(owner, f -> f.path("params").path("type").asText().equals("message.complete"));
        assertTrue(done.path("params").path("payload").path("text").asText().endsWith("Approved (once)."), done.toString());
    }

    @Test
    void whenEachClientHasItsOwnUpstreamSocketOnTheSessionOnlyOneIsGivenTheRequestAndOnlyItsAnswerGoesOn() throws Exception {
        FanOutUpstream upstream = new FanOutUpstream();
        gw = TestGateway.start(upstream, c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
        open.add(gw);
        WsTestClient first = connect("");
        until(first, f -> f.path("params").path("type").asText().equals("gateway.ready"));
        WsTestClient second = connect("");
        until(second, f -> f.path("params").path("type").asText().equals("gateway.ready"));
        assertEquals(2, upstream.sinks.size(), "one upstream socket per client");

        upstream.fanOut(APPROVAL); // upstream gives the session's request to every attached socket
        JsonNode got = until(first, f -> f.has("method") && !f.path("method").asText().equals("event"));
        assertEquals("srq-0123456789ab", got.path("id").asText());
        assertNull(second.poll(Duration.ofMillis(300)), "the request is routed to one client only");

        second.send("{\"jsonrpc\": \"2.0\", \"id\": \"srq-0123456789ab\", \"result\": {\"choice\": \"always\"}}");
        first.send("{\"jsonrpc\": \"2.0\", \"id\": \"srq-0123456789ab\", \"result\": {\"choice\": \"once\"}}");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (upstream.received.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
        assertEquals(List.of("{\"jsonrpc\": \"2.0\", \"id\": \"srq-0123456789ab\", \"result\": {\"choice\": \"once\"}}"),
                upstream.received, "only the answer of the client the request was routed to reached upstream");
    }

    @Test
    void answeringByMethodARequestRoutedToAnotherClientIsRefusedAndNeverReachesUpstream() throws Exception {
        FanOutUpstream upstream = new FanOutUpstream();
        gw = TestGateway.start(upstream, c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
        open.add(gw);
        WsTestClient first = connect("");
        until(first, f -> f.path("params").path("type").asText().equals("gateway.ready"));
        WsTestClient second = connect("");
        until(second, f -> f.path("params").path("type").asText().equals("gateway.ready"));
        upstream.fanOut(APPROVAL);
        until(first, f -> f.path("id").asText().equals("srq-0123456789ab"));

        second.send("{\"jsonrpc\": \"2.0\", \"id\": \"a1\", \"method\": \"request.answer\", \"params\": "
                + "{\"id\": \"srq-0123456789ab\", \"result\": {\"choice\": \"always\"}}}");
        assertEquals(-32003, until(second, f -> f.path("id").asText().equals("a1")).path("error").path("code").asInt());
        second.send("{\"jsonrpc\": \"2.0\", \"id\": \"a2\", \"method\": \"approval.respond\", \"params\": "
                + "{\"session_id\": \"s1\", \"request_id\": \"r1\", \"choice\": \"always\"}}");
        assertEquals(-32003, until(second, f -> f.path("id").asText().equals("a2")).path("error").path("code").asInt());
        second.send("{\"jsonrpc\": \"2.0\", \"id\": \"a3\", \"method\": \"approval.respond\", \"params\": "
                + "{\"session_id\": \"s1\", \"choice\": \"always\"}}");
        assertEquals(-32003, until(second, f -> f.path("id").asText().equals("a3")).path("error").path("code").asInt());
        Thread.sleep(200);
        assertTrue(upstream.received.isEmpty(), "no answer of the other client reached upstream: " + upstream.received);

        first.send("{\"jsonrpc\": \"2.0\", \"id\": \"a4\", \"method\": \"approval.respond\", \"params\": "
                + "{\"session_id\": \"s1\", \"choice\": \"once\"}}");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (upstream.received.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, upstream.received.size(), "the routed client's own answer goes on: " + upstream.received);
        assertTrue(upstream.received.get(0).contains("\"a4\"") || upstream.received.get(0).contains("approval.respond"),
                upstream.received.toString());
    }

    /**
     * An upstream {@code /api/ws} that attaches every socket to one session and fans its server→client requests out
     * to all of them (PR #105571), with the {@code shared_session} ready shape. Not local: it answers its own pings.
     */
    private static final class FanOutUpstream implements AgentLauncher {
        final List<ClientSink> sinks = new CopyOnWriteArrayList<>();
        final List<String> received = new CopyOnWriteArrayList<>();

        @Override
        public AgentLink open(ClientSink sink) {
            sinks.add(sink);
            sink.send("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": "
                    + "{\"skin\": {}, \"change_events\": true, \"heartbeat\": true, \"replay_epoch\": \"ab\", \"shared_session\": "
                    + "{\"version\": 1, \"socket_id\": \"" + sinks.size() + "\"}}}}");
            return new AgentLink() {
                @Override
                public boolean send(WireFrame frame) {
                    received.add(frame.text());
                    return true;
                }

                @Override
                public void close() {
                    sinks.remove(sink);
                }

                @Override
                public String describe() {
                    return "upstream ws://127.0.0.1:9/api/ws";
                }
            };
        }

        void fanOut(String frame) {
            sinks.forEach(s -> s.send(frame));
        }

        @Override
        public boolean frontAnswersPings() {
            return false;
        }

        @Override
        public String kind() {
            return "fan-out upstream";
        }

        @Override
        public void close() {
            sinks.clear();
        }
    }
}
