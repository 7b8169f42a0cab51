package dev.hermesfront.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private static List<JsonNode> readLines(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        // Strict decoding: a partial or mis-encoded line would throw here.
        String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
        assertTrue(text.isEmpty() || text.endsWith("\n"), "the file ends in a whole line");
        List<JsonNode> lines = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (!l.isEmpty()) {
                lines.add(MAPPER.readTree(l));
            }
        }
        return lines;
    }

    @Test
    void writesEveryLineOfABatchWhenOneMethodIsALoneSurrogate() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        try (AuditLog log = AuditLog.open(file, 1 << 20, 2)) {
            for (int i = 0; i < 200; i++) {
                log.event("ws_denied").with("credential", "user" + i).with("method", i == 100 ? "\ud800" : "shell.exec")
                        .with("outcome", "denied").write();
            }
        }
        List<JsonNode> lines = readLines(file);
        assertEquals(200, lines.size());
        assertEquals("\ud800", lines.get(100).path("method").asText(), "the surrogate is escaped, not lost");
        assertEquals("user199", lines.get(199).path("credential").asText(), "lines after the bad one are written");
    }

    @Test
    void writesClientTextAsAsciiJsonAndCutsHugeValues() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        String huge = "m".repeat(1_000_000);
        try (AuditLog log = AuditLog.open(file, 1 << 20, 2)) {
            log.event("ws_denied").with("method", huge).with("outcome", "denied").write();
            log.event("ws_denied").with("method", "\u00e9\ud83d\ude00\"\\\n\u0000\udfff").with("outcome", "denied").write();
            log.event("ws_denied").with("method", "9".repeat(5000)).with("session_id", "[".repeat(1000)).write();
        }
        byte[] bytes = Files.readAllBytes(file);
        for (byte b : bytes) {
            assertTrue(b >= 0, "plain ASCII");
        }
        assertTrue(bytes.length < 3 * 1024, "values are cut: " + bytes.length + " bytes");
        List<JsonNode> lines = readLines(file);
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).path("method").asText().startsWith("m".repeat(AuditLog.MAX_VALUE_CHARS) + "…("));
        assertEquals("\u00e9\ud83d\ude00\"\\\n\u0000\udfff", lines.get(1).path("method").asText());
    }

    @Test
    void createsTheFileAndRotatedFilesForTheOwnerOnly() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        try (AuditLog log = AuditLog.open(file, 1 << 20, 2)) {
            for (int i = 0; i < 10; i++) {
                log.event("ws_connect").with("credential", "c" + i).with("outcome", "allowed").write();
            }
        }
        // A second log on the same path, with a lower bound, finds the file past it and rotates it before writing.
        try (AuditLog log = AuditLog.open(file, 100, 2)) {
            log.event("ws_connect").with("credential", "after").with("outcome", "allowed").write();
        }
        assertTrue(Files.exists(dir.resolve("audit.jsonl.1")));
        for (Path p : List.of(file, dir.resolve("audit.jsonl.1"))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
        }
        assertEquals("after", readLines(file).get(0).path("credential").asText());
        assertEquals(10, readLines(dir.resolve("audit.jsonl.1")).size());
    }

    @Test
    void countsLinesItCannotWriteAndWarnsOnceWithoutTheirContent() throws Exception {
        Path file = Files.createDirectories(dir.resolve("audit.jsonl")); // a directory: every write fails
        List<LogRecord> records = new ArrayList<>();
        Logger jul = Logger.getLogger(AuditLog.class.getName());
        Handler capture = new Handler() {
            @Override public void publish(LogRecord r) { synchronized (records) { records.add(r); } }
            @Override public void flush() { }
            @Override public void close() { }
        };
        jul.addHandler(capture);
        AuditLog log = AuditLog.open(file, 1 << 20, 2);
        try {
            for (int i = 0; i < 50; i++) {
                log.event("ws_denied").with("method", "secret-method-" + i).with("outcome", "denied").write();
            }
        } finally {
            log.close();
            jul.removeHandler(capture);
        }
        assertEquals(50, log.dropped());
        List<LogRecord> warnings;
        synchronized (records) {
            warnings = records.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
        }
        assertEquals(1, warnings.size(), "rate-limited to one WARN");
        String message = warnings.get(0).getMessage() + " " + List.of(warnings.get(0).getParameters());
        assertTrue(message.contains("dropped"), message);
        assertFalse(message.contains("secret-method"), "no line content in the gateway log");
    }
}
