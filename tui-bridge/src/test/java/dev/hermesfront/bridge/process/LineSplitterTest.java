package dev.hermesfront.bridge.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {
    private final List<String> lines = new ArrayList<>();
    private final LineSplitter.LineConsumer add = l -> lines.add(l.text());

    private void feed(LineSplitter s, byte[] all, int... cuts) throws InterruptedException {
        int from = 0;
        for (int cut : cuts) {
            byte[] chunk = java.util.Arrays.copyOfRange(all, from, cut);
            s.feed(chunk, chunk.length, add);
            from = cut;
        }
        byte[] rest = java.util.Arrays.copyOfRange(all, from, all.length);
        s.feed(rest, rest.length, add);
    }

    @Test
    void splitsOnNewlineAcrossChunksAndKeepsBytes() throws InterruptedException {
        byte[] in = "{\"a\": 1}\n{\"b\": \"\u00e9\u2695\ud83d\ude00\"}\n\n{\"c\": 3}\n".getBytes(StandardCharsets.UTF_8);
        // cut inside the multi-byte characters on purpose
        feed(new LineSplitter(1 << 20), in, 3, 18, 20, 23);
        assertEquals(List.of("{\"a\": 1}", "{\"b\": \"\u00e9\u2695\ud83d\ude00\"}", "{\"c\": 3}"), lines);
    }

    @Test
    void keepsACarriageReturnThatIsPartOfTheLine() throws InterruptedException {
        feed(new LineSplitter(100), "x\r\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("x\r"), lines);
    }

    @Test
    void dropsALineOverTheBoundAndCarriesOn() throws InterruptedException {
        byte[] in = ("short\n" + "y".repeat(50) + "\nafter\n").getBytes(StandardCharsets.UTF_8);
        feed(new LineSplitter(20), in, 10, 30);
        assertEquals(List.of("short", "after"), lines);
    }

    @Test
    void holdsAnUnterminatedTailUntilItsNewline() throws InterruptedException {
        LineSplitter s = new LineSplitter(100);
        byte[] a = "{\"par".getBytes(StandardCharsets.UTF_8);
        s.feed(a, a.length, add);
        assertEquals(List.of(), lines);
        byte[] b = "tial\": 1}\n".getBytes(StandardCharsets.UTF_8);
        s.feed(b, b.length, add);
        assertEquals(List.of("{\"partial\": 1}"), lines);
    }

    @Test
    void turnsAClientMessageIntoExactlyOneStdinLine() {
        assertArrayEquals("{\"a\": 1}\n".getBytes(StandardCharsets.UTF_8), ProcessAgentLink.toLine("{\"a\": 1}"));
        assertArrayEquals("{  \"a\": \"\u00e9\"}\n".getBytes(StandardCharsets.UTF_8), ProcessAgentLink.toLine("{\r\n  \"a\": \"\u00e9\"\n}\r"));
    }

    @Test
    void handsTheHeadAndLengthOfAnOversizedLineOnAndKeepsOnlyTheHead() throws InterruptedException {
        List<String> heads = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        LineSplitter s = new LineSplitter(10_000, (head, bytes) -> {
            heads.add(new String(head, StandardCharsets.UTF_8));
            sizes.add(bytes);
            return true;
        });
        String big = "{\"id\": \"r1\", \"result\": \"" + "z".repeat(100_000) + "\"}";
        byte[] in = ("ok\n" + big + "\nafter\n").getBytes(StandardCharsets.UTF_8);
        // In 1 KiB reads, as a pipe delivers it.
        for (int from = 0; from < in.length; from += 1024) {
            byte[] chunk = java.util.Arrays.copyOfRange(in, from, Math.min(in.length, from + 1024));
            s.feed(chunk, chunk.length, add);
        }
        assertEquals(List.of("ok", "after"), lines);
        assertEquals(List.of((long) big.length()), sizes);
        assertEquals(LineSplitter.HEAD_BYTES, heads.get(0).length());
        assertEquals(big.substring(0, LineSplitter.HEAD_BYTES), heads.get(0));
    }

    @Test
    void findsTheOversizedLineInOneReadToo() throws InterruptedException {
        List<Long> sizes = new ArrayList<>();
        LineSplitter s = new LineSplitter(5, (head, bytes) -> sizes.add(bytes));
        byte[] in = "0123456789\nab\n".getBytes(StandardCharsets.UTF_8);
        s.feed(in, in.length, add);
        assertEquals(List.of(10L), sizes);
        assertEquals(List.of("ab"), lines);
    }

    @Test
    void readsTheIdOfAResponseFromTheHeadOfItsLine() {
        assertEquals("\"r7\"", OversizedLines.responseId(bytes("{\"jsonrpc\": \"2.0\", \"id\": \"r7\", \"result\": {\"x\": \"aaa")).json());
        assertEquals("12", OversizedLines.responseId(bytes("{\"jsonrpc\": \"2.0\", \"id\": 12, \"error\": {\"code\"")).json());
        assertEquals("null", OversizedLines.responseId(bytes("{\"jsonrpc\": \"2.0\", \"id\": null, \"result\": [1, 2")).json());
        // The head ends inside or right after the id: not trusted (a cut number would look whole).
        assertEquals(null, OversizedLines.responseId(bytes("{\"jsonrpc\": \"2.0\", \"id\": 12")));
        assertEquals(null, OversizedLines.responseId(bytes("{\"jsonrpc\": \"2.0\", \"id\": \"r")));
        // Requests from the agent and events have a method: they are not answers.
        assertEquals(null, OversizedLines.responseId(bytes("{\"jsonrpc\": \"2.0\", \"id\": \"srq-1\", \"method\": \"sudo\", \"params\": {")));
        assertEquals(null, OversizedLines.responseId(bytes("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\"")));
        assertEquals(null, OversizedLines.responseId(bytes("Traceback (most recent call last):")));
        assertEquals(null, OversizedLines.responseId(bytes("{\"id\": {\"a\": 1}, \"result\": 1")));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
