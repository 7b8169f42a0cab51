package dev.hermesfront.gateway.ws.raw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.protocol.WireFrame;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The RFC 6455 reader and writer on their own: lengths in all three encodings, masking, fragments with control
 * frames between them, UTF-8 split across fragments, every byte fed on its own, and each protocol error with its
 * close code.
 */
class WsFrameReaderTest {
    private static final int KEY = 0x37fa213d;

    /** Everything the handler heard, as strings. */
    private static final class Heard implements WsFrameReader.Handler {
        final List<String> events = new ArrayList<>();
        final List<WireFrame> texts = new ArrayList<>();

        @Override
        public void text(WireFrame frame) {
            texts.add(frame);
            events.add("text:" + frame.length());
        }

        @Override
        public void binary(long length) {
            events.add("binary:" + length);
        }

        @Override
        public void ping(byte[] payload) {
            events.add("ping:" + new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public void pong(byte[] payload) {
            events.add("pong:" + new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public void close(int code, String reason) {
            events.add("close:" + code + ":" + reason);
        }
    }

    private static byte[] frame(boolean fin, int opcode, byte[] payload, boolean masked) {
        ByteBuffer b = WsFrames.frame(fin, opcode, payload, 0, payload.length, masked, KEY);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** Feeds {@code wire} whole, then again one byte at a time; both must hear the same. */
    private static Heard read(byte[] wire, boolean expectMasked, long max) throws WsFrameReader.ProtocolException {
        Heard whole = new Heard();
        new WsFrameReader(expectMasked, max).feed(ByteBuffer.wrap(wire), whole);
        Heard bytes = new Heard();
        WsFrameReader r = new WsFrameReader(expectMasked, max);
        for (byte b : wire) {
            r.feed(ByteBuffer.wrap(new byte[] {b}), bytes);
        }
        assertEquals(whole.events, bytes.events);
        for (int i = 0; i < whole.texts.size(); i++) {
            assertTrue(whole.texts.get(i).sameBytes(bytes.texts.get(i)));
        }
        return whole;
    }

    private static int failure(byte[] wire, boolean expectMasked, long max) {
        return assertThrows(WsFrameReader.ProtocolException.class,
                () -> new WsFrameReader(expectMasked, max).feed(ByteBuffer.wrap(wire), new Heard())).code();
    }

    @Test
    void readsLengthsInAllThreeEncodingsMaskedAndNot() throws Exception {
        for (boolean masked : new boolean[] {false, true}) {
            for (int n : new int[] {0, 1, 125, 126, 127, 65_535, 65_536, 200_000}) {
                byte[] payload = utf8("a".repeat(n));
                byte[] wire = frame(true, WsFrames.TEXT, payload, masked);
                assertEquals(WsFrames.headerLength(n, masked) + n, wire.length);
                Heard h = read(wire, masked, 1 << 20);
                assertEquals(List.of("text:" + n), h.events);
                assertArrayEquals(payload, h.texts.get(0).copyBytes());
            }
        }
    }

    @Test
    void masksAsTheRfcExample() {
        // RFC 6455 §5.7: "Hello", masked with 37 fa 21 3d.
        byte[] wire = frame(true, WsFrames.TEXT, utf8("Hello"), true);
        assertArrayEquals(new byte[] {(byte) 0x81, (byte) 0x85, 0x37, (byte) 0xfa, 0x21, 0x3d, 0x7f, (byte) 0x9f, 0x4d, 0x51, 0x58}, wire);
    }

    @Test
    void joinsFragmentsAroundControlFramesAndAcceptsACharacterSplitAcrossThem() throws Exception {
        byte[] euro = utf8("€"); // three bytes, split 1 + 2 across the fragments
        byte[] wire = concat(
                frame(false, WsFrames.TEXT, concat(utf8("{\"a\":\""), new byte[] {euro[0]}), true),
                frame(true, WsFrames.PING, utf8("p1"), true),
                frame(false, WsFrames.CONTINUATION, new byte[] {euro[1], euro[2]}, true),
                frame(true, WsFrames.PONG, utf8("p2"), true),
                frame(true, WsFrames.CONTINUATION, utf8("\"}"), true),
                frame(true, WsFrames.TEXT, utf8("next"), true));
        Heard h = read(wire, true, 1 << 20);
        assertEquals(List.of("ping:p1", "pong:p2", "text:" + utf8("{\"a\":\"€\"}").length, "text:4"), h.events);
        assertEquals("{\"a\":\"€\"}", h.texts.get(0).text());
        assertEquals("next", h.texts.get(1).text());
    }

    @Test
    void invalidUtf8SplitAcrossFragmentsIs1007() {
        byte[] wire = concat(frame(false, WsFrames.TEXT, new byte[] {'x', (byte) 0xe2}, false),
                frame(true, WsFrames.CONTINUATION, new byte[] {(byte) 0x28, (byte) 0xa1}, false));
        assertEquals(WsFrames.INVALID_DATA, failure(wire, false, 1 << 20));
        assertEquals(WsFrames.INVALID_DATA, failure(frame(true, WsFrames.TEXT, new byte[] {(byte) 0xc0, (byte) 0xaf}, false), false, 1 << 20));
    }

    @Test
    void aMessageOverTheLimitIs1009BeforeItsPayloadArrives() {
        byte[] head = frame(true, WsFrames.TEXT, new byte[2000], false);
        assertEquals(WsFrames.TOO_BIG, failure(java.util.Arrays.copyOf(head, 4), false, 1000));
        // Fragments each under the limit, together over it.
        byte[] wire = concat(frame(false, WsFrames.TEXT, utf8("a".repeat(600)), false),
                frame(true, WsFrames.CONTINUATION, utf8("a".repeat(600)), false));
        assertEquals(WsFrames.TOO_BIG, failure(wire, false, 1000));
        assertEquals(WsFrames.TOO_BIG, failure(frame(true, WsFrames.BINARY, new byte[1001], false), false, 1000));
    }

    @Test
    void protocolErrorsAre1002() {
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(frame(true, WsFrames.TEXT, utf8("x"), false), true, 100), "unmasked client frame");
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(frame(true, WsFrames.TEXT, utf8("x"), true), false, 100), "masked server frame");
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(frame(true, WsFrames.CONTINUATION, utf8("x"), false), false, 100), "lone continuation");
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(concat(frame(false, WsFrames.TEXT, utf8("x"), false),
                frame(true, WsFrames.TEXT, utf8("y"), false)), false, 100), "new message inside a fragmented one");
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(frame(false, WsFrames.PING, utf8("x"), false), false, 100), "fragmented ping");
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(frame(true, WsFrames.PING, new byte[126], false), false, 1000), "ping of 126 bytes");
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(frame(true, 0x3, utf8("x"), false), false, 100), "reserved opcode");
        byte[] rsv = frame(true, WsFrames.TEXT, utf8("x"), false);
        rsv[0] |= 0x40;
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(rsv, false, 100), "RSV1 without an extension");
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(frame(true, WsFrames.CLOSE, new byte[] {3}, false), false, 100), "close of one byte");
        assertEquals(WsFrames.PROTOCOL_ERROR, failure(frame(true, WsFrames.CLOSE, WsFrames.closePayload(1005, ""), false), false, 100),
                "1005 on the wire");
    }

    @Test
    void closeFramesCarryCodeAndReasonAndEndTheStream() throws Exception {
        byte[] wire = concat(frame(true, WsFrames.CLOSE, WsFrames.closePayload(4401, "unauthorized"), false),
                frame(true, WsFrames.TEXT, utf8("after"), false));
        assertEquals(List.of("close:4401:unauthorized"), read(wire, false, 100).events);
        assertEquals(List.of("close:1005:"), read(frame(true, WsFrames.CLOSE, new byte[0], false), false, 100).events);
        assertEquals(WsFrames.INVALID_DATA, failure(frame(true, WsFrames.CLOSE, new byte[] {3, (byte) 0xe8, (byte) 0xff}, false), false, 100));
    }

    @Test
    void binaryMessagesAreSkippedNotHeld() throws Exception {
        byte[] wire = concat(frame(false, WsFrames.BINARY, new byte[300], false), frame(true, WsFrames.CONTINUATION, new byte[200], false),
                frame(true, WsFrames.TEXT, utf8("t"), false));
        assertEquals(List.of("binary:500", "text:1"), read(wire, false, 1000).events);
    }

    @Test
    void aCloseReasonIsCutAtACharacterBoundary() {
        byte[] p = WsFrames.closePayload(1011, "é".repeat(100));
        assertTrue(p.length <= WsFrames.MAX_CONTROL_PAYLOAD);
        assertTrue(WireFrame.validUtf8(p, 2, p.length - 2));
        assertEquals(2 + 122, p.length);
    }
}
