package dev.hermesfront.gateway.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.gateway.lines.LineWriter;
import dev.hermesfront.gateway.lines.WholeLines;
import dev.hermesfront.protocol.PythonJson;
import dev.hermesfront.protocol.codec.TranscriptJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes recorded connections to JSONL transcripts, one file per connection, in the format of the
 * conformance data ({@code docs/conformance.md}): {@code {"t_ms", "dir": "c2s"|"s2c", "frame": <JSON>}},
 * {@code "raw"} for agent text that is not JSON, and {@code "dir": "meta"} lines for the end of the
 * connection. Secrets are redacted ({@link Redaction}), and so are the client's answers to the agent's
 * secret server-to-client requests ({@link ServerRequests}).
 *
 * <p>Callers only enqueue (never block, never touch the disk): a bounded {@link LineWriter} feeds one named
 * writer thread. A line that cannot be queued (queue full) or written (a frame the recorder cannot render, a
 * file that cannot be created or written) is dropped and counted for its own connection only: the other
 * connections carry on, the writer WARNs (at most once a minute, never with frame content), and the
 * transcript ends with a {@code "dropped"} meta line. Text a client can send is always written safely
 * (lone surrogates escaped by {@link dev.hermesfront.protocol.JsonText}). Files are created readable by
 * their owner only (0600, where the file system has POSIX permissions). Thread-safe.
 */
final class TranscriptRecorder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TranscriptRecorder.class.getName());
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

    private final Path dir;
    /**
     * Reads every frame the codec passes to the agent ({@link TranscriptJson}). A client frame it still cannot read
     * is dropped and counted, never written unredacted.
     */
    private final ObjectMapper mapper = TranscriptJson.newReader();
    private final CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final LineWriter<Line> writer;
    private final AtomicInteger connections = new AtomicInteger();
    /** Writer thread only: the connections' open files. */
    private final Map<Connection, FileChannel> files = new HashMap<>();

    /** One recorded connection. */
    final class Connection {
        final int number = connections.incrementAndGet();
        final String fileName = LocalDateTime.now().format(STAMP) + "-" + number + ".jsonl";
        final long startNanos = System.nanoTime();
        final AtomicLong dropped = new AtomicLong();
        /** Writer thread only. */
        final ServerRequests requests = new ServerRequests();
        /** Writer thread only: its file could not be created; the rest of its lines are dropped. */
        boolean failed;
        volatile boolean ended;

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        }
    }

    /** A line waiting for the writer: a frame, or a meta event when {@code dir} is {@code meta}. */
    private record Line(Connection conn, long tMillis, String dir, String text, Map<String, Object> meta, boolean last) {}

    TranscriptRecorder(Path dir, int capacity) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.writer = LineWriter.start("transcript-writer", capacity, 256, new LineWriter.Sink<>() {
            @Override
            public int write(List<Line> batch) {
                int lost = 0;
                for (Line line : batch) {
                    lost += TranscriptRecorder.this.write(line);
                }
                return lost;
            }

            @Override
            public void closed() {
                files.values().forEach(TranscriptRecorder::closeQuietly);
                files.clear();
            }
        }, lost -> LOG.log(System.Logger.Level.WARNING, "recording to {0}: {1} line(s) could not be written and were dropped "
                + "(each transcript ends with its count)", this.dir, lost));
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

    /** Returns how many lines were dropped: the writer fell behind, or could not write them. */
    long dropped() {
        return writer.dropped();
    }

    private void offer(Connection c, Line line) {
        if (!writer.offer(line)) {
            c.dropped.incrementAndGet();
        }
    }

    /**
     * Writes one line of one connection, unbuffered (a line is either in the file whole or counted as dropped);
     * whatever goes wrong is that line's, or that connection's, loss alone. Returns 1 when the line was lost, else 0.
     */
    private int write(Line line) {
        Connection c = line.conn();
        FileChannel out = files.get(c);
        if (out == null && !c.failed) {
            try {
                out = create(c);
                files.put(c, out);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "transcript {0}: cannot create: {1}", c.fileName, e.getMessage());
                c.failed = true;
            }
        }
        ByteBuffer bytes = out == null ? null : render(line);
        int lost = 0;
        if (bytes == null || !append(out, bytes, c)) {
            c.dropped.incrementAndGet();
            lost = 1;
        }
        if (line.last()) {
            finish(c, line.tMillis());
        }
        return lost;
    }

    /** Appends whole bytes; a failed write is cut off again so that the file keeps ending in a whole line. */
    private static boolean append(FileChannel out, ByteBuffer bytes, Connection c) {
        return WholeLines.append(out, bytes, "transcript " + c.fileName);
    }

    /** Writes the connection's {@code dropped} line when it lost any, and closes its file. */
    private void finish(Connection c, long tMillis) {
        FileChannel out = files.remove(c);
        long dropped = c.dropped.get();
        if (dropped > 0) {
            LOG.log(System.Logger.Level.WARNING, "transcript {0}: {1} line(s) dropped (writer too slow, or not writable)",
                    c.fileName, dropped);
            if (out != null) {
                ObjectNode d = mapper.createObjectNode().put("t_ms", tMillis).put("dir", "meta")
                        .put("event", "dropped").put("count", dropped);
                append(out, ByteBuffer.wrap((PythonJson.write(d) + "\n").getBytes(StandardCharsets.US_ASCII)), c);
            }
        }
        closeQuietly(out);
    }

    /** Returns the line as UTF-8 with its newline, or null when it cannot be rendered. */
    private ByteBuffer render(Line line) {
        String text;
        try {
            text = format(line);
        } catch (RuntimeException | StackOverflowError e) {
            return null;
        }
        if (text == null) {
            return null;
        }
        try {
            return encoder.reset().encode(CharBuffer.wrap(text + "\n"));
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private FileChannel create(Connection c) throws IOException {
        Path file = dir.resolve(c.fileName);
        for (int n = 2; ; n++) {
            try {
                return FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), WholeLines.ownerOnly());
            } catch (FileAlreadyExistsException e) {
                file = dir.resolve(c.fileName.replace(".jsonl", "-" + n + ".jsonl"));
            }
        }
    }

    /** Returns the transcript line for {@code line}, or null when a client frame cannot be read (it is then not written). */
    String format(Line line) {
        ObjectNode out = mapper.createObjectNode().put("t_ms", line.tMillis()).put("dir", line.dir());
        if (line.meta() != null) {
            line.meta().forEach((k, v) -> out.set(k, mapper.valueToTree(v)));
            return PythonJson.write(out);
        }
        JsonNode frame = parse(line.text());
        boolean fromClient = "c2s".equals(line.dir());
        if (frame == null && fromClient) {
            // Valid JSON (the codec let it through) that this reader refuses: never write it as unredacted raw text.
            return null;
        }
        if (frame != null) {
            if (fromClient) {
                line.conn().requests.clientFrame(frame);
            } else {
                line.conn().requests.agentFrame(frame);
            }
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
        writer.close();
    }

    private static void closeQuietly(FileChannel out) {
        if (out == null) {
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing a transcript: {0}", e.getMessage());
        }
    }
}
