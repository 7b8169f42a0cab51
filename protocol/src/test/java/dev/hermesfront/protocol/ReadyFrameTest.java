package dev.hermesfront.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadyFrameTest {
    private static final ObjectMapper MAPPER = AgentJson.newMapper();
    private static final String JULY = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", "
            + "\"payload\": {\"skin\": {\"name\": \"default\"}}}}";
    private static final String V1 = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", "
            + "\"payload\": {\"skin\": {}, \"change_events\": true, \"replay_epoch\": \"3b9a\", \"capabilities\": {\"event_replay\": true}, "
            + "\"protocol\": {\"version\": 1}}}}";

    @Test
    void addsHeartbeatToACurrentWireReadyOnlyAndKeepsTheEpoch() throws Exception {
        String amended = ReadyFrame.amend(V1, MAPPER, true, Map.of());
        assertEquals(V1.substring(0, V1.length() - 3) + ", \"heartbeat\": true}}}", amended);
        assertSame(JULY, ReadyFrame.amend(JULY, MAPPER, true, Map.of()), "the July wire has no heartbeat: bytes unchanged");
        assertTrue(ReadyFrame.isCurrentWire(V1, MAPPER));
        assertFalse(ReadyFrame.isCurrentWire(JULY, MAPPER));
    }

    @Test
    void addsHeartbeatToTheSharedSessionShapeToo() throws Exception {
        // tui-wire-current.md §13.1: the aa1b8f85 shape has shared_session and neither capabilities nor protocol.
        String shared = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", "
                + "\"payload\": {\"skin\": {}, \"change_events\": true, \"replay_epoch\": \"3b9a\", "
                + "\"shared_session\": {\"version\": 1, \"socket_id\": \"9f2c\"}}}}";
        assertTrue(ReadyFrame.isCurrentWire(shared, MAPPER));
        assertEquals(shared.substring(0, shared.length() - 3) + ", \"heartbeat\": true}}}", ReadyFrame.amend(shared, MAPPER, true, Map.of()));
        String withBeat = shared.replace("\"change_events\": true, ", "\"change_events\": true, \"heartbeat\": true, ");
        assertSame(withBeat, ReadyFrame.amend(withBeat, MAPPER, true, Map.of()), "an upstream that says heartbeat keeps its bytes");
    }

    @Test
    void putsTheFrontsMembersInsideCapabilitiesNeverAtThePayloadsTopLevel() throws Exception {
        Map<String, Object> front = new LinkedHashMap<>();
        front.put("resume_id", "abc");
        front.put("reattached", true);
        front.put("replayed_frames", 3);
        JsonNode july = MAPPER.readTree(ReadyFrame.amend(JULY, MAPPER, false, front)).path("params").path("payload");
        assertEquals(2, july.size(), "skin and capabilities: " + july);
        assertEquals("abc", july.path("capabilities").path("hermes_front").path("resume_id").asText());
        JsonNode v1 = MAPPER.readTree(ReadyFrame.amend(V1, MAPPER, false, front)).path("params").path("payload");
        assertTrue(v1.path("capabilities").path("event_replay").asBoolean(), "the agent's capabilities are kept");
        assertEquals(3, v1.path("capabilities").path("hermes_front").path("replayed_frames").asInt());
        assertFalse(v1.has("hermes_front"));
        assertEquals("3b9a", v1.path("replay_epoch").asText());
    }

    @Test
    void mergesWithAnAnnouncementAlreadyMadeUpstream() throws Exception {
        String peer = ReadyFrame.amend(V1, MAPPER, false, Map.of("peer", "studio"));
        JsonNode hf = MAPPER.readTree(ReadyFrame.amend(peer, MAPPER, false, Map.of("resume_id", "x")))
                .path("params").path("payload").path("capabilities").path("hermes_front");
        assertEquals("studio", hf.path("peer").asText());
        assertEquals("x", hf.path("resume_id").asText());
    }

    @Test
    void leavesOtherFramesAlone() {
        String delta = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"message.delta\", \"session_id\": \"s\"}}";
        assertSame(delta, ReadyFrame.amend(delta, MAPPER, true, Map.of("a", "b")));
        assertSame("not json", ReadyFrame.amend("not json", MAPPER, true, Map.of("a", "b")));
        assertFalse(ReadyFrame.isReady(delta, MAPPER));
        assertTrue(ReadyFrame.isReady(JULY, MAPPER));
    }
}
