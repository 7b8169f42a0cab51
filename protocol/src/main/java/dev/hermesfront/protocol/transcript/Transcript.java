package dev.hermesfront.protocol.transcript;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.PythonJson;
import dev.hermesfront.protocol.codec.TranscriptJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A recorded conversation on the TUI wire, read from either JSONL format in use:
 *
 * <ul>
 *   <li>conformance-data: {@code {"t_ms", "dir": "c2s"|"s2c", "frame": <JSON>}} or {@code "raw": "<text>"},
 *       optional {@code "conn"}; {@code "dir": "meta"} lines are skipped. A parsed {@code frame} is turned back
 *       into text with {@link PythonJson}, the agent's own serialization.</li>
 *   <li>spec fixtures: {@code {"t", "kind": "c2s"|"s2c", "frame": "<exact text>", "binary"?}}; {@code meta},
 *       {@code open}, {@code close}, {@code eof} and {@code note} lines become {@link #marks()}. Frames carry the
 *       label of the latest {@code open} line as their connection.</li>
 * </ul>
 *
 * @param name    file name without extension
 * @param entries frames in recorded order
 * @param notes   non-frame lines (kind, close, eof, …) as raw JSON, for diagnostics
 * @param marks   the same non-frame lines, parsed, with their position among the frames
 */
public record Transcript(String name, List<TranscriptEntry> entries, List<String> notes, List<TranscriptMark> marks) {
    /** Reads whatever the recorder writes: long numbers, deep frames inside the line object, NaN like Python. */
    private static final ObjectMapper MAPPER = TranscriptJson.newReader();

    public Transcript {
        Objects.requireNonNull(name, "name");
        entries = List.copyOf(entries);
        notes = List.copyOf(notes);
        marks = List.copyOf(marks);
    }

    /** Creates a transcript without marks. */
    public Transcript(String name, List<TranscriptEntry> entries, List<String> notes) {
        this(name, entries, notes, List.of());
    }

    /** Reads a transcript file; throws {@link TranscriptException} naming the line on bad input. */
    public static Transcript read(Path file) {
        String fileName = file.getFileName().toString();
        String name = fileName.replaceFirst("\\.jsonl$", "");
        try {
            return parse(name, Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read transcript " + file, e);
        }
    }

    /** Parses transcript lines. */
    public static Transcript parse(String name, List<String> lines) {
        List<TranscriptEntry> entries = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<TranscriptMark> marks = new ArrayList<>();
        String openConn = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode n;
            try {
                n = MAPPER.readTree(line);
            } catch (IOException e) {
                throw new TranscriptException(name + ":" + (i + 1) + ": not JSON");
            }
            String dir = n.path(n.has("kind") ? "kind" : "dir").asText("");
            if (!dir.equals("c2s") && !dir.equals("s2c")) {
                notes.add(line);
                TranscriptMark mark = mark(n, dir, entries.size(), i + 1);
                if (mark.kind().equals("open") && !mark.conn().isEmpty()) {
                    openConn = mark.conn();
                }
                marks.add(mark);
                continue;
            }
            long t = n.has("t_ms") ? n.get("t_ms").asLong() : Math.round(n.path("t").asDouble(0) * 1000);
            String conn = n.has("conn") ? n.get("conn").asText() : openConn;
            JsonNode frame = n.get("frame");
            String text;
            boolean json = true;
            if (n.has("raw")) {
                text = n.get("raw").asText();
                json = false;
            } else if (frame == null) {
                throw new TranscriptException(name + ":" + (i + 1) + ": no frame");
            } else if (frame.isTextual() && n.has("kind")) {
                text = frame.asText();
            } else {
                text = PythonJson.write(frame);
            }
            entries.add(new TranscriptEntry(t, dir.equals("c2s") ? Direction.C2S : Direction.S2C, conn, text, json,
                    n.path("binary").asBoolean(false), i + 1));
        }
        return new Transcript(name, entries, notes, marks);
    }

    private static TranscriptMark mark(JsonNode n, String dir, int position, int line) {
        String kind = dir.equals("meta") && n.has("event") ? n.get("event").asText() : dir;
        String text = "";
        for (String field : new String[] {"text", "note", "reason", "description"}) {
            if (n.hasNonNull(field)) {
                text = n.get(field).asText();
                break;
            }
        }
        return new TranscriptMark(position, kind, n.has("conn") ? n.get("conn").asText() : "", n.path("by").asText(""),
                n.path("code").canConvertToInt() ? n.path("code").asInt() : -1, text, line);
    }

    /** Returns the marks recorded for one connection, or naming none. */
    public List<TranscriptMark> marksOf(String conn) {
        return marks.stream().filter(m -> m.conn().equals(conn) || m.conn().isEmpty()).toList();
    }

    /** Returns the connection labels in order of first appearance. */
    public List<String> connections() {
        List<String> out = new ArrayList<>();
        for (TranscriptEntry e : entries) {
            if (!out.contains(e.conn())) {
                out.add(e.conn());
            }
        }
        return out;
    }

    /** Returns the entries of one connection. */
    public List<TranscriptEntry> of(String conn) {
        return entries.stream().filter(e -> e.conn().equals(conn)).toList();
    }
}
