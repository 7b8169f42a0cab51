package dev.hermesfront.bridge.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {
    private final List<String> lines = new ArrayList<>();

    private void feed(LineSplitter s, byte[] all, int... cuts) throws InterruptedException {
        int from = 0;
        for (int cut : cuts) {
            byte[] chunk = java.util.Arrays.copyOfRange(all, from, cut);
            s.feed(chunk, chunk.length, l -> lines.add(l));
            from = cut;
        }
        byte[] rest = java.util.Arrays.copyOfRange(all, from, all.length);
        s.feed(rest, rest.length, l -> lines.add(l));
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
        s.feed(a, a.length, lines::add);
        assertEquals(List.of(), lines);
        byte[] b = "tial\": 1}\n".getBytes(StandardCharsets.UTF_8);
        s.feed(b, b.length, lines::add);
        assertEquals(List.of("{\"partial\": 1}"), lines);
    }

    @Test
    void turnsAClientMessageIntoExactlyOneStdinLine() {
        assertArrayEquals("{\"a\": 1}\n".getBytes(StandardCharsets.UTF_8), ProcessAgentLink.toLine("{\"a\": 1}"));
        assertArrayEquals("{  \"a\": \"\u00e9\"}\n".getBytes(StandardCharsets.UTF_8), ProcessAgentLink.toLine("{\r\n  \"a\": \"\u00e9\"\n}\r"));
    }
}
