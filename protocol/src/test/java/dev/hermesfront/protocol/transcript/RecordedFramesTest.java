package dev.hermesfront.protocol.transcript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.PythonJson;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Runs the codec over every frame recorded from the real agent and the real TUI. */
class RecordedFramesTest {
    private static final FrameCodec CODEC = new FrameCodec();

    static Stream<Path> transcripts() throws IOException {
        return TranscriptFiles.all().stream();
    }

    @ParameterizedTest
    @MethodSource("transcripts")
    void everyServerFrameIsWellFormedAndClassified(Path file) {
        Transcript t = Transcript.read(file);
        assertFalse(t.entries().isEmpty(), "no frames in " + file);
        for (TranscriptEntry e : t.entries()) {
            if (e.dir() != Direction.S2C) {
                continue;
            }
            Decoded d = CODEC.decode(e.text());
            Decoded.Valid v = assertInstanceOf(Decoded.Valid.class, d, () -> "server frame rejected: " + e.text());
            if (v.frame().kind() == FrameKind.EVENT) {
                assertTrue(v.frame().eventType() != null && !v.frame().eventType().isEmpty(), e.text());
            }
        }
    }

    /**
     * For every client frame the real agent rejected at the protocol level, the codec produces the
     * very bytes the agent answered; every frame the agent accepted, the codec accepts too.
     */
    @ParameterizedTest
    @MethodSource("transcripts")
    void protocolErrorsMatchTheRealAgentByteForByte(Path file) {
        List<TranscriptEntry> entries = Transcript.read(file).entries();
        for (int i = 0; i < entries.size(); i++) {
            TranscriptEntry e = entries.get(i);
            if (e.dir() != Direction.C2S || e.binary()) {
                continue;
            }
            String next = nextServerFrameBeforeNextClientFrame(entries, i);
            Decoded d = CODEC.decode(e.text());
            if (next != null && isProtocolError(next)) {
                assertEquals(next, assertInstanceOf(Decoded.Invalid.class, d, e.text()).reply(), e.text());
            } else if (d instanceof Decoded.Blank) {
                assertEquals(null, next, "agent answered a frame the codec thinks is blank: " + e.text());
            } else {
                assertInstanceOf(Decoded.Valid.class, d, () -> "agent accepted but codec rejected: " + e.text());
            }
        }
    }

    private static boolean isProtocolError(String s2c) {
        return s2c.contains("\"code\": -32700") || s2c.contains("\"code\": -32600") || s2c.contains("\"code\": -32602");
    }

    private static String nextServerFrameBeforeNextClientFrame(List<TranscriptEntry> entries, int i) {
        for (int j = i + 1; j < entries.size(); j++) {
            if (entries.get(j).dir() == Direction.C2S) {
                return null;
            }
            return entries.get(j).text();
        }
        return null;
    }

    @ParameterizedTest
    @MethodSource("transcripts")
    void parsedRecordingsRoundTripToAgentStyleText(Path file) throws IOException {
        // The fixtures hold exact wire text; re-serializing it with PythonJson must give the same bytes,
        // which proves PythonJson reproduces the agent's formatting for parsed recordings.
        if (!file.toString().contains("fixtures")) {
            return;
        }
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        for (TranscriptEntry e : Transcript.read(file).entries()) {
            if (e.dir() == Direction.S2C) {
                assertEquals(e.text(), PythonJson.write(mapper.readTree(e.text())));
            }
        }
    }

    static final class TranscriptFiles {
        static List<Path> all() throws IOException {
            Path dir = root();
            try (Stream<Path> s = Files.walk(dir)) {
                return s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
            }
        }

        static Path root() {
            for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("transcripts"))) {
                    return p.resolve("transcripts");
                }
            }
            throw new IllegalStateException("transcripts/ not found above " + Path.of("").toAbsolutePath());
        }
    }
}
