package dev.hermesfront.gateway.record;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.protocol.transcript.PythonJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes recorded connections to JSONL transcripts, one file per connection, in the format of the
 * conformance data ({@code docs/conformance.md}): {@code {"t_ms", "dir": "c2s"|"s2c", "frame": <JSON>}},
 * {@code "raw"} for text that is not JSON, and {@code "dir": "meta"} lines for the end of the connection.
 * Secrets are redacted ({@link Redaction}).
 *
 * <p>Callers only enqueue (never block, never touch the disk): a bounded queue feeds one named writer
 * thread. When the queue is full the line is dropped and counted, and the transcript ends with a
 * {@code "dropped"} meta line. Thread-safe.
 */
final class TranscriptRecorder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TranscriptRecorder.class.getName());
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

    private final Path dir;
    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();
    private final BlockingQueue<Line> queue;
    private final Thread writer;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong droppedTotal = new AtomicLong();
    private volatile boolean closing;

    /** One recorded connection. */
    final class Connection {
        final int number = connections.incrementAndGet();
        final String fileName = LocalDateTime.now().format(STAMP) + "-" + number + ".jsonl";
        final long startNanos = System.nanoTime();
        final AtomicLong dropped = new AtomicLong();
        volatile boolean ended;

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        }
    }

    /** A line waiting for the writer: a frame, or a meta event when {@code dir} is {@code meta}. */
    private record Line(Connection conn, long tMillis, String dir, String text, Map<String, Object> meta, boolean last) {}

    TranscriptRecorder(Path dir, int capacity) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = new Thread(this::writeLoop, "transcript-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    Connection open() {
        return new Connection();
    }

    /** Records one frame travelling {@code dir} ({@code c2s} or {@code s2c}). */
    void frame(Connection c, String dir, String text) {
        if (!c.ended) {
            offer(c, new Line(c, c.millis(), dir, text, null, false));
        }
    }

    /** Records the end of a connection; later frames of it are ignored. */
    void end(Connection c, Map<String, Object> meta) {
        if (!c.ended) {
            c.ended = true;
            offer(c, new Line(c, c.millis(), "meta", null, meta, true));
        }
    }

    /** Returns how many lines were dropped because the writer fell behind. */
    long dropped() {
        return droppedTotal.get();
    }

    private void offer(Connection c, Line line) {
        if (closing || !queue.offer(line)) {
            c.dropped.incrementAndGet();
            droppedTotal.incrementAndGet();
        }
    }

    private void writeLoop() {
        Map<Connection, BufferedWriter> open = new HashMap<>();
        try {
            while (!closing || !queue.isEmpty()) {
                Line line = queue.poll(200, TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                write(open, line);
                if (queue.isEmpty()) {
                    for (BufferedWriter w : open.values()) {
                        w.flush();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "recording stopped: cannot write to {0}: {1}", dir, e.getMessage());
        } finally {
            open.values().forEach(TranscriptRecorder::closeQuietly);
        }
    }

    private void write(Map<Connection, BufferedWriter> open, Line line) throws IOException {
        BufferedWriter w = open.get(line.conn());
        if (w == null) {
            w = create(line.conn());
            open.put(line.conn(), w);
        }
        w.write(format(line));
        w.write('\n');
        if (line.last()) {
            long dropped = line.conn().dropped.get();
            if (dropped > 0) {
                ObjectNode d = mapper.createObjectNode().put("t_ms", line.tMillis()).put("dir", "meta")
                        .put("event", "dropped").put("count", dropped);
                w.write(PythonJson.write(d));
                w.write('\n');
                LOG.log(System.Logger.Level.WARNING, "transcript {0}: {1} lines dropped (writer too slow)",
                        line.conn().fileName, dropped);
            }
            open.remove(line.conn());
            w.close();
        }
    }

    private BufferedWriter create(Connection c) throws IOException {
        Path file = dir.resolve(c.fileName);
        for (int n = 2; ; n++) {
            try {
                return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                file = dir.resolve(c.fileName.replace(".jsonl", "-" + n + ".jsonl"));
            }
        }
    }

    String format(Line line) {
        ObjectNode out = mapper.createObjectNode().put("t_ms", line.tMillis()).put("dir", line.dir());
        if (line.meta() != null) {
            line.meta().forEach((k, v) -> out.set(k, mapper.valueToTree(v)));
            return PythonJson.write(out);
        }
        JsonNode frame = parse(line.text());
        if (frame != null) {
            out.set("frame", Redaction.frame(frame));
        } else {
            out.put("raw", Redaction.text(line.text()));
        }
        return PythonJson.write(out);
    }

    private JsonNode parse(String text) {
        try {
            return mapper.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /** Stops taking lines, writes what is queued (bounded: 5 s) and closes every file. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
        }
    }

    private static void closeQuietly(BufferedWriter w) {
        try {
            w.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing a transcript: {0}", e.getMessage());
        }
    }
}
