package dev.hermesfront.gateway.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.hermesfront.gateway.lines.LineWriter;
import dev.hermesfront.gateway.lines.WholeLines;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Writes one JSON line per decision that matters: connections accepted or refused, privileged calls,
 * denials, authentication failures, lockouts and rate limits. Each line has {@code ts}, {@code event},
 * {@code outcome}, and where known {@code credential} (its name, never its secret), {@code peer},
 * {@code method}, {@code session_id}, {@code reason}. No payloads.
 *
 * <p>Whatever a client can put in a field is written safely: every line is plain ASCII JSON (characters
 * outside ASCII, lone UTF-16 surrogates included, become {@code \\uXXXX} escapes, so nothing is lost and
 * nothing can fail to encode), and each value is cut at {@value #MAX_VALUE_CHARS} characters.
 *
 * <p>{@link #record} never blocks: lines go to a bounded {@link LineWriter} (10,000) drained by one writer thread.
 * A line that cannot be queued (queue full) or written (disk full, file not writable) is dropped and
 * counted; the writer says so in the gateway log (WARN, at most once a minute) and writes the count
 * as an {@code audit_dropped} line once it can. Lines are written one by one: a line that fails is cut
 * off again, so the file stays valid JSON lines and the other lines of the batch are still written.
 * The file is rotated when it passes {@code maxBytes}: {@code audit.jsonl.1} … {@code .keep}. Files
 * are created readable by their owner only (0600, where the file system has POSIX permissions).
 * Thread-safe.
 */
public final class AuditLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
    /** Longest value written for one field, in UTF-16 chars; a method name or session id is far shorter. */
    static final int MAX_VALUE_CHARS = 256;
    private static final JsonFactory JSON = JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private final Path file;
    private final long maxBytes;
    private final int keep;
    private final LineWriter<String> writer;
    private final CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    private AuditLog(Path file, long maxBytes, int keep) {
        this.file = file;
        this.maxBytes = maxBytes;
        this.keep = keep;
        if (file == null) {
            writer = null;
            return;
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the audit log's directory for " + file, e);
        }
        writer = LineWriter.start("audit-writer", 10_000, 1000, new LineWriter.Sink<>() {
            @Override
            public int write(List<String> lines) {
                return writeBatch(lines);
            }

            @Override
            public boolean dropped(long count) {
                return writeBatch(List.of(droppedLine(count))) == 0;
            }
        }, lost -> LOG.log(System.Logger.Level.WARNING, "audit log {0}: {1} line(s) could not be written and were dropped (counted in "
                + "an audit_dropped line once the file is writable)", file, lost));
    }

    /** Opens an audit log at {@code file}, rotated past {@code maxBytes}, keeping {@code keep} old files. */
    public static AuditLog open(Path file, long maxBytes, int keep) {
        return new AuditLog(file, maxBytes, keep);
    }

    /** Returns a log that writes nothing (no audit_log configured). */
    public static AuditLog disabled() {
        return new AuditLog(null, 0, 0);
    }

    /** Returns a new event of type {@code event}; call {@link Event#write()} when filled in. */
    public Event event(String event) {
        return new Event(event);
    }

    /** Returns lines dropped so far: queue full, or not writable. */
    public long dropped() {
        return writer == null ? 0 : writer.dropped();
    }

    /**
     * A line being built. Not thread-safe; build and write it on one thread. With no audit log configured (the
     * default) it holds nothing: no timestamp is formatted and no field is kept for a line nobody writes.
     */
    public final class Event {
        private final List<String[]> fields;

        private Event(String event) {
            if (writer == null) {
                fields = null;
                return;
            }
            fields = new ArrayList<>(8);
            fields.add(new String[] {"ts", Instant.now().toString()});
            fields.add(new String[] {"event", event});
        }

        /** Adds a field; null values are left out, long ones cut at {@value AuditLog#MAX_VALUE_CHARS} characters. */
        public Event with(String key, Object value) {
            if (value != null && fields != null) {
                fields.add(new String[] {key, cut(String.valueOf(value))});
            }
            return this;
        }

        /** Queues the line without blocking. */
        public void write() {
            if (writer == null) {
                return;
            }
            String line;
            try {
                line = toJson(fields);
            } catch (RuntimeException e) {
                writer.lost();
                return;
            }
            writer.offer(line);
        }
    }

    static String cut(String value) {
        if (value.length() <= MAX_VALUE_CHARS) {
            return value;
        }
        return value.substring(0, MAX_VALUE_CHARS) + "…(" + (value.length() - MAX_VALUE_CHARS) + " more chars)";
    }

    private static String toJson(List<String[]> fields) {
        StringWriter w = new StringWriter(160);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            for (String[] f : fields) {
                g.writeStringField(f[0], f[1]);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static String droppedLine(long count) {
        return toJson(List.of(new String[] {"ts", Instant.now().toString()}, new String[] {"event", "audit_dropped"},
                new String[] {"outcome", "dropped"}, new String[] {"count", Long.toString(count)}));
    }

    /** Writes each line on its own; returns how many could not be written. */
    private int writeBatch(List<String> lines) {
        if (lines.isEmpty()) {
            return 0;
        }
        try {
            if (Files.exists(file) && Files.size(file) > maxBytes) {
                rotate();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "audit log {0}: rotation failed: {1}", file, e.getMessage());
        }
        int lost = 0;
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                WholeLines.ownerOnly())) {
            for (String l : lines) {
                if (!writeLine(ch, l)) {
                    lost++;
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "audit log {0}: cannot open: {1}", file, e.getMessage());
            return lines.size();
        }
        return lost;
    }

    /** Appends one line; a failed write is cut off again so that the file keeps ending in a whole line. */
    private boolean writeLine(FileChannel ch, String line) {
        ByteBuffer bytes;
        try {
            bytes = encoder.reset().encode(CharBuffer.wrap(line + "\n"));
        } catch (CharacterCodingException e) {
            return false;
        }
        return WholeLines.append(ch, bytes, "audit log " + file);
    }

    private void rotate() throws IOException {
        for (int i = keep; i >= 1; i--) {
            Path from = i == 1 ? file : file.resolveSibling(file.getFileName() + "." + (i - 1));
            Path to = file.resolveSibling(file.getFileName() + "." + i);
            if (Files.exists(from)) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (keep == 0) {
            Files.deleteIfExists(file);
        }
    }

    /** Writes what is queued and stops the writer (bounded wait). */
    @Override
    public void close() {
        if (writer != null) {
            writer.close();
        }
    }
}
