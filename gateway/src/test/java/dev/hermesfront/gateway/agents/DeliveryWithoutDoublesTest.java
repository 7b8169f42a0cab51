package dev.hermesfront.gateway.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.current.CurrentWireAgent;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 24, delivery without doubles: within the park window a submission already admitted for a session and
 * principal is not sent to the agent again; the client that repeats it gets the original answer with its own id.
 */
class DeliveryWithoutDoublesTest {
    private static final ObjectMapper MAPPER = AgentJson.newMapper();
    private final List<AutoCloseable> open = new ArrayList<>();
    private CurrentWireLauncher agent;
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

    private void start(CurrentWireAgent.Ready shape) throws Exception {
        agent = new CurrentWireLauncher(MAPPER, new FrameCodec(), shape);
        gw = TestGateway.start(agent, c -> ConfigEdit.edit(c).parking(ParkingPolicy.defaults()).get());
        open.add(gw);
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

    private static JsonNode answer(WsTestClient c, String id) throws Exception {
        return until(c, f -> f.path("id").asText().equals(id) && !f.has("method"));
    }

    private static String submit(String id, String sid, String text, String ref) {
        return "{\"jsonrpc\": \"2.0\", \"id\": \"" + id + "\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + sid
                + "\", \"text\": \"" + text + "\"" + (ref == null ? "" : ", \"submission_ref\": \"" + ref + "\"") + "}}";
    }

    private long submitsAtTheAgent() {
        return agent.received().stream().filter("prompt.submit"::equals).count();
    }

    private long turnsAtTheAgent() {
        return agent.written().stream().filter(f -> f.contains("\"message.start\"")).count();
    }

    /** Opens the first connection, creates a session, submits {@code first}, waits for the turn, drops; returns the sid. */
    private String firstSubmissionThenDrop(String first) throws Exception {
        WsTestClient a = connect("");
        until(a, f -> f.path("params").path("type").asText().equals("gateway.ready"));
        a.send("{\"jsonrpc\": \"2.0\", \"id\": \"c1\", \"method\": \"session.create\", \"params\": {\"cols\": 80}}");
        String sid = answer(a, "c1").path("result").path("session_id").asText();
        a.send(first.replace("SID", sid));
        until(a, f -> f.path("params").path("type").asText().equals("message.complete"));
        a.close();
        gw.awaitParked(1);
        return sid;
    }

    @Test
    void twoDevicesResendingTheSameSubmissionRefAfterADropMakeOneTurnAndGetOneAnswerEach() throws Exception {
        start(CurrentWireAgent.Ready.SHARED_SESSION);
        String sid = firstSubmissionThenDrop(submit("a1", "SID", "hello there", "dup-1"));
        assertEquals(1, submitsAtTheAgent());

        WsTestClient back = connect(""); // the same device, back: it re-attaches the parked agent
        JsonNode ready = until(back, f -> f.path("params").path("type").asText().equals("gateway.ready"));
        String agentId = ready.path("params").path("payload").path("capabilities").path("hermes_front").path("resume_id").asText();
        WsTestClient other = connect("&agent=" + agentId); // the owner's other device
        until(other, f -> f.path("params").path("type").asText().equals("gateway.ready"));

        back.send(submit("x1", sid, "hello there", "dup-1"));
        other.send(submit("y1", sid, "hello there", "dup-1"));
        JsonNode x = answer(back, "x1");
        JsonNode y = answer(other, "y1");

        assertEquals(1, submitsAtTheAgent(), "the agent got the submission once: " + agent.received());
        assertEquals(1, turnsAtTheAgent(), "one turn");
        for (JsonNode r : List.of(x, y)) {
            assertEquals("dup-1", r.path("result").path("submission").path("ref").asText(), r.toString());
            assertEquals("in-1", r.path("result").path("submission").path("input_id").asText(), "the original answer: " + r);
        }
        assertEquals(x.path("result"), y.path("result"));

        // Another reference is another submission: it reaches the agent.
        other.send(submit("y2", sid, "hello there", "dup-2"));
        assertEquals("in-2", answer(other, "y2").path("result").path("submission").path("input_id").asText());
        assertEquals(2, submitsAtTheAgent());
    }

    @Test
    void anAgentThatRejectsSubmissionRefNeverSeesItAndAResendByIdIsNotSentTwice() throws Exception {
        start(CurrentWireAgent.Ready.V1_9EB0);
        // The 9eb0 stand-in answers 4000 to submission_ref (strict params): through the front it never sees one.
        String sid = firstSubmissionThenDrop(submit("a1", "SID", "with a ref", "r-1"));
        WsTestClient back = connect("");
        until(back, f -> f.path("params").path("type").asText().equals("gateway.ready"));
        back.send(submit("b1", sid, "with a ref", "r-1"));
        JsonNode again = answer(back, "b1");
        assertEquals("streaming", again.path("result").path("status").asText(), "the original answer, not 4000: " + again);
        assertFalse(again.has("error"), again.toString());
        assertEquals(1, submitsAtTheAgent(), agent.received().toString());

        // No reference: the id the client used before the drop, with the same params, is the same submission.
        back.send(submit("k1", sid, "no ref", null));
        until(back, f -> f.path("params").path("type").asText().equals("message.complete"));
        back.close();
        gw.awaitParked(1);
        WsTestClient third = connect("");
        until(third, f -> f.path("params").path("type").asText().equals("gateway.ready"));
        third.send(submit("k1", sid, "no ref", null));
        assertEquals("streaming", answer(third, "k1").path("result").path("status").asText());
        assertEquals(2, submitsAtTheAgent(), agent.received().toString());
        // The same id with other text is another submission.
        third.send(submit("k1", sid, "something else", null));
        assertEquals("streaming", answer(third, "k1").path("result").path("status").asText());
        assertEquals(3, submitsAtTheAgent(), agent.received().toString());
    }
}
