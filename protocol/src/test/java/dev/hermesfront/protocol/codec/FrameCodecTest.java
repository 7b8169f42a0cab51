package dev.hermesfront.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.RequestId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec();

    private Frame valid(String text) {
        return assertInstanceOf(Decoded.Valid.class, codec.decode(text)).frame();
    }

    private String reply(String text) {
        return assertInstanceOf(Decoded.Invalid.class, codec.decode(text)).reply();
    }

    @Test
    void keepsIdTypesDistinct() {
        assertEquals(new RequestId.NumberId("1"), valid("{\"id\":1,\"method\":\"m\"}").id());
        assertEquals(RequestId.StringId.of("1"), valid("{\"id\":\"1\",\"method\":\"m\"}").id());
        assertEquals(RequestId.NullId.INSTANCE, valid("{\"id\":null,\"method\":\"m\"}").id());
        assertNull(valid("{\"method\":\"m\"}").id());
        assertEquals("1.0", valid("{\"id\":1.0,\"method\":\"m\"}").id().json());
        assertEquals("{\"a\": [1]}", valid("{\"id\":{\"a\": [1]},\"method\":\"m\"}").id().json());
    }

    @Test
    void classifiesEachKind() {
        assertEquals(FrameKind.REQUEST, valid("{\"jsonrpc\":\"2.0\",\"id\":\"r1\",\"method\":\"session.create\",\"params\":{}}").kind());
        assertEquals(FrameKind.NOTIFICATION, valid("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}").kind());
        assertEquals(FrameKind.RESPONSE, valid("{\"jsonrpc\":\"2.0\",\"id\":\"srq-1\",\"result\":{}}").kind());
        assertEquals(FrameKind.ERROR, valid("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":1}}").kind());
        Frame event = valid("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"message.delta\", \"session_id\": \"e97\", \"payload\": {\"type\": \"inner\"}}}");
        assertEquals(FrameKind.EVENT, event.kind());
        assertEquals("message.delta", event.eventType());
        assertEquals("e97", event.sessionId());
    }

    @Test
    void keepsOriginalTextUntouched() {
        String text = "{ \"id\" : \"r1\",\n \"method\":\"a\", \"params\": {\"x\": 1.50, \"u\": \"\\u00e9\"} }";
        assertEquals(text, valid(text).text());
    }

    @Test
    void answersBadJsonLikeTheAgent() {
        assertEquals(ProtocolErrors.parseError(), reply("not json at all"));
        assertEquals(ProtocolErrors.parseError(), reply("{\"id\": \"a1\", \"method\": \"x\"}\n{\"id\": \"a2\", \"method\": \"x\"}"));
        assertEquals(ProtocolErrors.parseError(), reply("{\"id\": \"t1\", \"method\": \"config.get\""));
        assertEquals(ProtocolErrors.parseError(), reply("[1, 2"));
        assertEquals("{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32700, \"message\": \"parse error\"}, \"id\": null}",
                ProtocolErrors.parseError());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1, 2, 3]", "[{\"id\": \"a7\", \"method\": \"no.such\"}]", "\"str\"", "42", "null"})
    void answersNonObjectsWithInvalidRequest(String text) {
        assertEquals(ProtocolErrors.notAnObject(), reply(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"id\": \"a8\"}|{\"jsonrpc\": \"2.0\", \"id\": \"a8\", \"error\": {\"code\": -32600, \"message\": \"invalid request: method must be a non-empty string\"}}",
        "{\"id\": 3, \"method\": \"\"}|{\"jsonrpc\": \"2.0\", \"id\": 3, \"error\": {\"code\": -32600, \"message\": \"invalid request: method must be a non-empty string\"}}",
        "{\"method\": 7}|{\"jsonrpc\": \"2.0\", \"id\": null, \"error\": {\"code\": -32600, \"message\": \"invalid request: method must be a non-empty string\"}}",
        "{\"id\": \"a9\", \"method\": \"session.create\", \"params\": [80]}|{\"jsonrpc\": \"2.0\", \"id\": \"a9\", \"error\": {\"code\": -32602, \"message\": \"invalid params: expected an object\"}}",
    })
    void answersInvalidRequestsWithTheAgentsExactBytes(String text, String expected) {
        assertEquals(expected, reply(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   \n", "\t\r\n "})
    void ignoresWhitespaceOnlyFrames(String text) {
        assertInstanceOf(Decoded.Blank.class, codec.decode(text));
    }

    @Test
    void acceptsPrettyPrintedAndTrailingNewline() {
        assertEquals("a3", ((RequestId.StringId) valid("{\n  \"jsonrpc\": \"2.0\",\n  \"id\": \"a3\",\n  \"method\": \"no.such\"\n}").id()).value());
        assertEquals(FrameKind.REQUEST, valid("{\"id\": \"a4\", \"method\": \"no.such\"}\n").kind());
    }

    @Test
    void toleratesNonFiniteNumbersLikePython() {
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"m\", \"params\": {\"x\": NaN, \"y\": -Infinity}}").kind());
    }

    @Test
    void lastDuplicateMemberWinsLikePython() {
        assertEquals("b", valid("{\"id\": 1, \"method\": \"a\", \"method\": \"b\"}").method());
    }

    @Test
    void quotesStringIdsLikePython() {
        assertEquals("\"A\\n\u00e9\"", valid("{\"id\": \"\\u0041\\n\u00e9\", \"method\": \"m\"}").id().json());
    }
}
