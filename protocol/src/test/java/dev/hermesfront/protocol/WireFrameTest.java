package dev.hermesfront.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frame as bytes: its head read from the bytes as from the text, decoded at most once, bytes kept exactly. */
class WireFrameTest {
    private static WireFrame bytes(String text) {
        return WireFrame.ofUtf8(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheSameHeadFromTheBytesAsFromTheTextWithoutDecoding() {
        for (String text : List.of(
                "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"message.delta\", \"session_id\": \"s1\", \"payload\": {\"text\": \"h\u00e9\"}}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"status.update\"}}",
                "{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"result\": {\"text\": \"\u2695\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":17,\"error\":{\"code\":-32601}}",
                "not json")) {
            WireFrame f = bytes(text);
            FrameHead fromBytes = f.head();
            FrameHead fromText = FrameHead.peek(text);
            assertEquals(fromText.shape(), fromBytes.shape(), text);
            assertEquals(fromText.eventType(), fromBytes.eventType(), text);
            assertEquals(fromText.sessionId(), fromBytes.sessionId(), text);
            assertEquals(fromText.next(), fromBytes.next(), text);
            if (fromText.shape() == FrameHead.Shape.ID_FIRST) {
                assertEquals(fromText.idText(text), fromBytes.idText(f.asciiView()), text);
            }
            assertFalse(f.decoded(), "reading the head decodes nothing: " + text);
        }
    }

    @Test
    void aHeadWithCharactersBeyondAsciiIsLeftToTheCodec() {
        // Byte offsets and character offsets differ after such a character: the parser-free head gives up, exactly.
        WireFrame f = bytes("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"m\", \"session_id\": \"s\u00e9\"}}");
        assertEquals(FrameHead.Shape.OTHER, f.head().shape());
        WireFrame id = bytes("{\"jsonrpc\": \"2.0\", \"id\": \"\u00e9\", \"result\": {}}");
        assertEquals(FrameHead.Shape.OTHER, id.head().shape());
    }

    @Test
    void decodesOnceAndKeepsTheBytesExactly() {
        String text = "{\"a\": \"\u00e9\u2695\ud83d\ude00\"}";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        WireFrame f = WireFrame.ofUtf8(utf8.clone());
        assertEquals(utf8.length, f.length());
        assertFalse(f.decoded());
        String once = f.text();
        assertEquals(text, once);
        assertTrue(f.decoded());
        assertTrue(once == f.text(), "decoded at most once");
        ByteBuffer b = f.buffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        assertArrayEquals(utf8, out);
        assertTrue(WireFrame.of(text).sameBytes(f));
    }

    @Test
    void gathersBuffersAsTheyArrivedWithoutConsumingThem() {
        ByteBuffer a = ByteBuffer.wrap("{\"x\": ".getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = ByteBuffer.wrap("\"\u00e9\"}".getBytes(StandardCharsets.UTF_8));
        WireFrame f = WireFrame.ofUtf8(a, b);
        assertEquals("{\"x\": \"\u00e9\"}", f.text());
        assertEquals(6, a.remaining());
    }

    @Test
    void splicesAnIdIntoTheBytes() {
        WireFrame f = bytes("{\"jsonrpc\": \"2.0\", \"id\": \"c2:r1\", \"result\": {\"t\": \"\u00e9\"}}");
        FrameHead h = f.head();
        WireFrame g = f.splice(h.idStart(), h.idEnd(), "\"r1\"");
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"result\": {\"t\": \"\u00e9\"}}", g.text());
    }

    @Test
    void comparesAsciiPrefixesAndNeedlesOnTheBytes() {
        WireFrame f = bytes("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"request.cancel\"}}");
        assertTrue(f.startsWith("{\"jsonrpc\": \"2.0\", \"method\": \"event\""));
        assertFalse(f.startsWith("{\"jsonrpc\":\"2.0\""));
        assertTrue(f.contains("\"request.cancel\""));
        assertFalse(f.contains("\"request.cancelled\""));
        assertFalse(f.decoded());
    }

    @Test
    void keepsUntrustedBytesThatAreUtf8AndReplacesWhatIsNot() {
        byte[] good = "\u00e9\u2695\ud83d\ude00 ok".getBytes(StandardCharsets.UTF_8);
        WireFrame f = WireFrame.ofUntrusted(good, 0, good.length);
        assertFalse(f.decoded(), "valid bytes are kept as they are");
        assertEquals("\u00e9\u2695\ud83d\ude00 ok", f.text());
        byte[] longAsciiThenBad = ("{\"jsonrpc\": \"2.0\", \"method\": \"event\"" + "\u00e9").getBytes(StandardCharsets.UTF_8);
        longAsciiThenBad[longAsciiThenBad.length - 1] = 'x'; // a lead byte (0xc3) followed by ASCII, past the 8-byte fast path
        assertFalse(WireFrame.validUtf8(longAsciiThenBad, 0, longAsciiThenBad.length));
        byte[] longMixed = ("x".repeat(29) + "\u00e9" + "y".repeat(17) + "\ud83d\ude00").getBytes(StandardCharsets.UTF_8);
        for (int from = 0; from < 9; from++) {
            assertTrue(WireFrame.validUtf8(longMixed, from, longMixed.length - from), "from " + from);
        }
        for (byte[] bad : List.of(new byte[] {'a', (byte) 0xff, 'b'}, new byte[] {(byte) 0xc0, (byte) 0x80},
                new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {'x', (byte) 0xe2, (byte) 0x9a},
                new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80})) {
            WireFrame r = WireFrame.ofUntrusted(bad, 0, bad.length);
            assertEquals(new String(bad, StandardCharsets.UTF_8), r.text(), "replaced as decoding does");
            assertTrue(WireFrame.validUtf8(r.buffer().array(), 0, r.length()), "the client always gets UTF-8");
        }
    }
}
