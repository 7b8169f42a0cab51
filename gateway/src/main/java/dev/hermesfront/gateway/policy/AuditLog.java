package dev.hermesfront.gateway.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes one JSON line per decision that matters: connections accepted or refused, privileged calls,
 * denials, authentication failures, lockouts and rate limits. Each line has {@code ts}, {@code event},
 * {@code outcome}, and where known {@code credential} (its name, never its secret), {@code peer},
 * {@code method}, {@code session_id}, {@code reason}. No payloads.
 *
 * <p>{@link #record} never blocks: lines go to a bounded queue (10,000) drained by one writer thread;
 * when the queue is full the line is dropped and counted, and the count is written as its own line
 * once there is room. The file is rotated when it passes {@code maxBytes}: {@code audit.jsonl.1} …
 * {@code .keep}. Thread-safe.
 */
public final class AuditLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
    private static final JsonFactory JSON = new JsonFactory();
    private static final String STOP = "";

    private final Path file;
    private final long maxBytes;
    private final int keep;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(10_000);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;

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
        writer = new Thread(this::drain, "audit-writer");
        writer.setDaemon(true);
        writer.start();
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

    /** Returns lines dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** A line being built. Not thread-safe; build and write it on one thread. */
    public final class Event {
        private final List<String[]> fields = new ArrayList<>(8);

        private Event(String event) {
            fields.add(new String[] {"ts", Instant.now().toString()});
            fields.add(new String[] {"event", event});
        }

        /** Adds a field; null values are left out. */
        public Event with(String key, Object value) {
            if (value != null) {
                fields.add(new String[] {key, String.valueOf(value)});
            }
            return this;
        }

        /** Queues the line without blocking. */
        public void write() {
            if (writer == null) {
                return;
            }
            if (!queue.offer(toJson(fields))) {
                dropped.incrementAndGet();
            }
        }
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

    private void drain() {
        List<String> batch = new ArrayList<>();
        long reportedDrops = 0;
        while (true) {
            try {
                String first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 999);
                boolean stop = batch.remove(STOP);
                long d = dropped.get();
                if (d != reportedDrops) {
                    batch.add(toJson(List.of(new String[] {"ts", Instant.now().toString()}, new String[] {"event", "audit_dropped"},
                            new String[] {"count", Long.toString(d - reportedDrops)})));
                    reportedDrops = d;
                }
                writeBatch(batch);
                batch.clear();
                if (stop) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "audit log {0}: write failed: {1}", file, e.getMessage());
                batch.clear();
            }
        }
    }

    private void writeBatch(List<String> lines) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        if (Files.exists(file) && Files.size(file) > maxBytes) {
            rotate();
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (String l : lines) {
                w.write(l);
                w.write('\n');
            }
        }
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
        if (writer == null) {
            return;
        }
        try {
            queue.offer(STOP, 1, TimeUnit.SECONDS);
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
