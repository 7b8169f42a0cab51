package dev.hermesfront.protocol.transcript;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TranscriptTest {

    @Test
    void labelsFixtureFramesWithTheLatestOpenConnection() {
        Transcript t = Transcript.parse("x", List.of(
                "{\"kind\": \"meta\", \"transport\": \"websocket\", \"name\": \"x\"}",
                "{\"t\": 0.001, \"kind\": \"open\", \"conn\": \"A\"}",
                "{\"t\": 0.002, \"kind\": \"s2c\", \"frame\": \"{}\"}",
                "{\"t\": 0.003, \"kind\": \"close\", \"by\": \"client\", \"code\": 1000, \"conn\": \"A\"}",
                "{\"t\": 0.004, \"kind\": \"open\", \"conn\": \"B\"}",
                "{\"t\": 0.005, \"kind\": \"c2s\", \"frame\": \"{\\\"id\\\": 1}\"}",
                "{\"t\": 0.006, \"kind\": \"close\", \"by\": \"server\", \"code\": 1011, \"conn\": \"B\"}"));
        assertEquals(List.of("A", "B"), t.connections());
        assertEquals(3, t.entries().get(0).line());
        assertEquals(6, t.entries().get(1).line());
        TranscriptMark closeB = t.marksOf("B").stream().filter(m -> m.kind().equals("close")).findFirst().orElseThrow();
        assertEquals(2, closeB.position());
        assertEquals("server", closeB.by());
        assertEquals(1011, closeB.code());
        assertEquals(7, closeB.line());
    }

    @Test
    void readsProxyMetaLinesAsMarks() {
        Transcript t = Transcript.parse("y", List.of(
                "{\"t_ms\": 0, \"dir\": \"s2c\", \"conn\": 1, \"frame\": {\"a\": 1}}",
                "{\"t_ms\": 9, \"dir\": \"meta\", \"conn\": 1, \"event\": \"close\", \"by\": \"client\", \"code\": 1000}"));
        assertEquals(List.of("1"), t.connections());
        TranscriptMark m = t.marks().get(0);
        assertEquals("close", m.kind());
        assertEquals("1", m.conn());
        assertEquals(1, m.position());
        assertEquals(1000, m.code());
        assertEquals("{\"a\": 1}", t.entries().get(0).text());
    }
}
