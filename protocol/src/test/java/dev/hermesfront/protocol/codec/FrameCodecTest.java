package dev.hermesfront.protocol.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.RequestId;
import java.nio.charset.StandardCharsets;
import java.util.List;
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

    private static String digits(int n) {
        return "9".repeat(n);
    }

    private static String nested(int depth, boolean arrays) {
        return arrays ? "[".repeat(depth) + "]".repeat(depth) : "{\"a\": ".repeat(depth) + "1" + "}".repeat(depth);
    }

    @Test
    void passesIntegersUpToTheAgentsDigitLimitAndRefusesLonger() {
        // tui_gateway.entry on Python 3.11 parses 4,300 digits and dies on 4,301 (ValueError, not caught).
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"m\", \"params\": {\"n\": " + digits(4300) + "}}").kind());
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"m\", \"params\": {\"n\": -" + digits(4300) + "}}").kind());
        assertEquals(digits(4300), valid("{\"id\": " + digits(4300) + ", \"method\": \"m\"}").id().json());
        for (String frame : List.of(
                "{\"id\": 1, \"method\": \"m\", \"params\": {\"n\": " + digits(4301) + "}}",
                "{\"id\": 1, \"method\": \"m\", \"params\": {\"n\": -" + digits(4301) + "}}",
                "{\"id\": 1, \"method\": \"m\", \"params\": {\"deep\": [[{\"n\": " + digits(4301) + "}]]}}",
                "{\"id\": " + digits(4301) + ", \"method\": \"m\"}",
                "{\"id\": [" + digits(4301) + "], \"method\": \"m\"}",
                "{\"id\": 1, \"method\": \"m\", \"extra\": " + digits(5000) + "}",
                "{\"id\": 1, \"method\": " + digits(5000) + "}",
                "{\"id\": \"srq-1\", \"result\": {\"value\": " + digits(5000) + "}}",
                "[" + digits(5000) + "]",
                digits(5000))) {
            assertEquals(ProtocolErrors.parseError(), reply(frame), frame.substring(0, 40));
        }
    }

    @Test
    void passesFloatsOfAnyLengthLikeTheAgent() {
        // Python's float() has no digit limit: 5,000 and 100,000 digits parse (the agent answers normally).
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"m\", \"params\": {\"f\": " + digits(5000) + ".5}}").kind());
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"m\", \"params\": {\"f\": " + digits(100_000) + ".5}}").kind());
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"m\", \"params\": {\"f\": 0." + digits(5000) + "}}").kind());
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"m\", \"params\": {\"f\": " + digits(5000) + "e5}}").kind());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void passesNestingUpToTheLimitAndRefusesDeeper(boolean arrays) {
        int max = FrameCodec.MAX_DEPTH;
        // The top-level object is depth 1 and params depth 2.
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"m\", \"params\": {\"n\": " + nested(max - 2, arrays) + "}}").kind());
        assertEquals(FrameKind.REQUEST, valid("{\"id\": " + nested(max - 1, arrays) + ", \"method\": \"m\"}").kind());
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"m\", \"x\": " + nested(max - 1, arrays) + "}").kind());
        assertEquals(ProtocolErrors.parseError(), reply("{\"id\": 1, \"method\": \"m\", \"params\": {\"n\": " + nested(max - 1, arrays) + "}}"));
        assertEquals(ProtocolErrors.parseError(), reply("{\"id\": " + nested(max, arrays) + ", \"method\": \"m\"}"));
        assertEquals(ProtocolErrors.parseError(), reply("{\"id\": 1, \"method\": \"m\", \"x\": " + nested(max, arrays) + "}"));
        // What the adversarial run sent: ~1,000 levels, which passed the front and killed the agent.
        assertEquals(ProtocolErrors.parseError(), reply("{\"id\": 1, \"method\": \"m\", \"params\": {\"n\": " + nested(1000, arrays) + "}}"));
        assertEquals(ProtocolErrors.parseError(), reply(nested(100_000, arrays)));
    }

    @Test
    void answersALoneSurrogateInTheMethodLikeTheAgentWithTheSurrogateEscaped() {
        // The agent would answer -32601 "unknown method: \ud800" and die encoding that reply as UTF-8.
        String r = reply("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"\\ud800\"}");
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"error\": {\"code\": -32601, \"message\": \"unknown method: \\ud800\"}}", r);
        assertEquals(r, new String(r.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), "the reply encodes as UTF-8 unchanged");
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": 2, \"error\": {\"code\": -32601, \"message\": \"unknown method: a\\udfffb\"}}",
                reply("{\"id\": 2, \"method\": \"a\\udfffb\"}"));
    }

    @Test
    void answersALoneSurrogateInAnyIdWithInvalidRequestEchoingItEscaped() {
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": \"x\\ud800\", \"error\": {\"code\": -32600, \"message\": \"invalid request: id holds a lone surrogate\"}}",
                reply("{\"id\": \"x\\ud800\", \"method\": \"m\"}"));
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": {\"k\": [\"\\udc00\"]}, \"error\": {\"code\": -32600, \"message\": \"invalid request: id holds a lone surrogate\"}}",
                reply("{\"id\": {\"k\": [\"\\udc00\"]}, \"method\": \"m\"}"));
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": {\"\\ud800\": 1}, \"error\": {\"code\": -32600, \"message\": \"invalid request: id holds a lone surrogate\"}}",
                reply("{\"id\": {\"\\ud800\": 1}, \"method\": \"m\"}"));
        assertInstanceOf(Decoded.Invalid.class, codec.decode("{\"id\": \"\\ud800\", \"result\": {\"value\": \"x\"}}"));
    }

    @Test
    void passesPairedSurrogatesAndLoneOnesInParams() {
        assertEquals("\"\ud83d\ude00\"", valid("{\"id\": \"\\ud83d\\ude00\", \"method\": \"\\ud83d\\ude00\"}").id().json());
        assertEquals(FrameKind.REQUEST, valid("{\"id\": 1, \"method\": \"prompt.submit\", \"params\": {\"text\": \"\\ud800\"}}").kind());
    }
}
