package dev.hermesfront.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameHead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrameHeadTest {
    private final FrameCodec codec = new FrameCodec();

    private Frame decoded(String text) {
        return assertInstanceOf(Decoded.Valid.class, codec.decode(text)).frame();
    }

    @Test
    void readsTheTypeAndSessionOfAnAgentEvent() {
        String e = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"message.delta\", \"session_id\": \"e97\", "
                + "\"payload\": {\"text\": \"hi\", \"session_id\": \"other\"}, \"seq\": 4}}";
        FrameHead h = FrameHead.peek(e);
        assertEquals(FrameHead.Shape.EVENT, h.shape());
        assertEquals("message.delta", h.eventType());
        assertEquals("e97", h.sessionId());
        assertEquals(decoded(e).sessionId(), h.sessionId());
    }

    @Test
    void readsAnEventWithoutSessionAndAnEmptySession() {
        FrameHead none = FrameHead.peek("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"skin.changed\"}}");
        assertEquals(FrameHead.Shape.EVENT, none.shape());
        assertNull(none.sessionId());
        FrameHead empty = FrameHead.peek("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"pet.x\", \"session_id\": \"\"}}");
        assertEquals("", empty.sessionId());
    }

    @Test
    void findsTheIdOfAResponseExactlyWhereTheCodecDoes() {
        for (String id : new String[] {"\"r1\"", "7", "null", "\"a\\\"b\"", "-1.5e3", "\"srq-3f9c0a1b2d4e\""}) {
            String r = "{\"jsonrpc\": \"2.0\", \"id\": " + id + ", \"result\": {\"id\": 1}}";
            FrameHead h = FrameHead.peek(r);
            assertEquals(FrameHead.Shape.ID_FIRST, h.shape(), r);
            assertEquals("result", h.next());
            assertEquals(id, h.idText(r));
            Frame f = decoded(r);
            assertEquals(f.idStart(), h.idStart());
            assertEquals(f.idEnd(), h.idEnd());
        }
        String srq = "{\"jsonrpc\": \"2.0\", \"id\": \"srq-1\", \"method\": \"approval\", \"params\": {\"session_id\": \"s\"}}";
        assertEquals("method", FrameHead.peek(srq).next());
    }

    @Test
    void readsCompactJsonTheSameWay() {
        String e = "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"message.delta\",\"session_id\":\"e97\","
                + "\"seq\":4,\"payload\":{\"text\":\"hi\"}}}";
        FrameHead h = FrameHead.peek(e);
        assertEquals(FrameHead.Shape.EVENT, h.shape());
        assertEquals("message.delta", h.eventType());
        assertEquals(decoded(e).sessionId(), h.sessionId());
        assertNull(FrameHead.peek("{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"skin.changed\"}}").sessionId());
        for (String id : new String[] {"\"r1\"", "7", "null", "\"a\\\"b\""}) {
            String r = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"id\":1}}";
            FrameHead rh = FrameHead.peek(r);
            assertEquals(FrameHead.Shape.ID_FIRST, rh.shape(), r);
            assertEquals("result", rh.next());
            Frame f = decoded(r);
            assertEquals(f.idStart(), rh.idStart());
            assertEquals(f.idEnd(), rh.idEnd());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"jsonrpc\":\"2.0\", \"id\":\"r1\",\"result\":{}}",
            "{\"jsonrpc\": \"2.0\",\"method\":\"event\",\"params\":{\"type\":\"x\"}}",
            "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32700, \"message\": \"parse error\"}, \"id\": null}",
            "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": {}}}",
            "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"a\\u0062\", \"session_id\": \"s\"}}",
            "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"x\", \"session_id\": \"s\\\"\"}}",
            "{\"jsonrpc\": \"2.0\", \"id\": \"r1\"}",
            "{\"jsonrpc\": \"2.0\", \"id\": \"unterminated",
            "not json",
            ""})
    void leavesAnythingElseToTheCodec(String text) {
        assertEquals(FrameHead.Shape.OTHER, FrameHead.peek(text).shape());
    }

    @Test
    void theCodecReportsWhereTheIdIsSoItCanBeSpliced() {
        String req = "{ \"jsonrpc\":\"2.0\", \"id\" : \"r1\" ,\"method\":\"m\",\"params\":{\"id\":\"inner\"}}";
        Frame f = decoded(req);
        assertEquals("\"r1\"", req.substring(f.idStart(), f.idEnd()));
        assertEquals("{ \"jsonrpc\":\"2.0\", \"id\" : \"hf.1\" ,\"method\":\"m\",\"params\":{\"id\":\"inner\"}}", f.withId("\"hf.1\""));
        Frame obj = decoded("{\"id\": {\"a\": [1, \"}\"]}, \"method\": \"m\"}");
        assertEquals("{\"a\": [1, \"}\"]}", obj.text().substring(obj.idStart(), obj.idEnd()));
        Frame none = decoded("{\"method\": \"m\"}");
        assertEquals(-1, none.idStart());
        Frame last = decoded("{\"method\": \"m\", \"id\": 12}");
        assertEquals("12", last.text().substring(last.idStart(), last.idEnd()));
    }
}
