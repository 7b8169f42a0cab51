package dev.hermesfront.conformance;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.Direction;
import dev.hermesfront.protocol.transcript.Transcript;
import dev.hermesfront.protocol.transcript.TranscriptEntry;
import dev.hermesfront.protocol.transcript.TranscriptException;
import dev.hermesfront.protocol.transcript.TranscriptMark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * Replays transcripts against a {@code /api/ws} URL and matches what comes back (docs/conformance.md).
 *
 * <p>Per recorded connection: open a WebSocket; send the client frames in recorded order, each once the
 * server frames recorded before it have arrived (bounded by {@link RunOptions#maxWait()}; on timeout the frame
 * is sent anyway and the missing frames are noted); then wait for the remaining server frames, and for the line
 * to stay quiet for 300 ms so that extra frames are caught too, and end the connection as recorded (the client
 * closes, or the server is expected to close with the code the rules give for this kind of target). Client frames
 * are sent as recorded, with captured values rewritten in rules mode. Connections of one transcript run one after
 * the other and share captures.
 *
 * <p>Never hangs. A frame the client gave up waiting for is not waited for again, and a transcript spends at most
 * {@link RunOptions#maxWait()} in total waiting for frames that do not come: after that, each wait lasts only while
 * frames keep arriving (300 ms of silence ends it). Every wait also ends at the run's {@link RunOptions#deadline()},
 * and a transcript still running then ends as "could not run" with the differences found so far.
 *
 * <p>Not thread-safe: use one runner per thread.
 */
public final class ReplayRunner {
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final Duration OPTIONAL_GRACE = Duration.ofSeconds(3);
    /** After the last recorded frame: how long the line must stay silent before the client closes. */
    private static final Duration QUIET = Duration.ofMillis(300);

    private final HttpClient http;
    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();
    private final FrameCodec codec = new FrameCodec();

    /** A runner on its own HTTP client, trusting the JDK's default certificates for {@code wss://} targets. */
    public ReplayRunner() {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
    }

    /** A runner that opens its WebSockets with {@code http} (e.g. one trusting a test certificate). */
    public ReplayRunner(HttpClient http) {
        this.http = http;
    }

    /** Reads and replays one transcript file with the rules that apply to it. */
    public TranscriptResult run(Path file, Rules rules, URI target, RunOptions options) {
        String name = file.getFileName().toString().replaceFirst("\\.jsonl$", "");
        Transcript t;
        try {
            t = Transcript.read(file);
        } catch (TranscriptException | UncheckedIOException e) {
            return error(name, file.toString(), "cannot read transcript: " + e.getMessage());
        }
        return run(t, file.toString(), rules.forFile(t.name(), options.kind()), target, options);
    }

    /** Replays one parsed transcript. */
    public TranscriptResult run(Transcript t, String file, FileRules rules, URI target, RunOptions options) {
        if (!rules.applies()) {
            return new TranscriptResult(t.name(), file, TranscriptResult.Status.SKIPPED, List.of(), rules.skipReason(),
                    Duration.ZERO, 0, 0);
        }
        long t0 = System.nanoTime();
        if (options.deadline().passed()) {
            return error(t.name(), file, "not run: " + options.deadline().describe() + " passed before it started");
        }
        List<String> conns = t.connections();
        Captures captures = new Captures();
        WaitBudget budget = new WaitBudget(options.maxWait().toNanos());
        List<Difference> differences = new ArrayList<>();
        List<Difference> tolerated = new ArrayList<>();
        Set<String> applied = new TreeSet<>();
        int expected = 0;
        int received = 0;
        for (int c = 0; c < conns.size(); c++) {
            String conn = conns.get(c);
            List<TranscriptEntry> entries = t.of(conn);
            String label = conns.size() > 1 ? conn : "";
            ConnectionMatcher m = new ConnectionMatcher(label, entries, rules, captures, options.exact(), codec, mapper);
            WsClient ws;
            try {
                ws = WsClient.connect(http, target, options.deadline().leftOr(options.connectTimeout()));
            } catch (WsClient.ConnectException e) {
                if (options.deadline().passed()) {
                    return deadlineReached(t.name(), file, options, differences, t0);
                }
                return error(t.name(), file, (label.isEmpty() ? "" : "connection " + label + ": ") + "cannot connect to "
                        + redacted(target) + ": " + e.getMessage());
            }
            try (ws) {
                new Conversation(ws, m, label, entries, captures, options, budget)
                        .run(closeOf(t, conn, rules, c == conns.size() - 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return error(t.name(), file, "interrupted");
            } catch (DeadlineReached e) {
                differences.addAll(m.finish());
                return deadlineReached(t.name(), file, options, differences, t0);
            }
            differences.addAll(m.finish());
            tolerated.addAll(m.tolerated());
            applied.addAll(m.applied());
            expected += m.expectedCount();
            received += m.receivedCount();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        TranscriptResult.Status status = differences.isEmpty() ? TranscriptResult.Status.PASSED : TranscriptResult.Status.FAILED;
        String summary = differences.isEmpty() ? "" : differences.size() + " difference" + (differences.size() == 1 ? "" : "s");
        if (!tolerated.isEmpty()) {
            summary += (summary.isEmpty() ? "" : "; ") + tolerated.size() + " tolerated";
        }
        return new TranscriptResult(t.name(), file, status, differences, summary, took, expected, received, tolerated,
                List.copyOf(applied), recordedWire(t));
    }

    /** Returns the wire generation of the transcript's first recorded {@code gateway.ready}, or {@code ""}. */
    private String recordedWire(Transcript t) {
        for (TranscriptEntry e : t.entries()) {
            if (e.dir() != Direction.S2C || !e.json() || !e.text().contains("gateway.ready")) {
                continue;
            }
            try {
                JsonNode params = mapper.readTree(e.text()).path("params");
                if ("gateway.ready".equals(params.path("type").asText(null))) {
                    return WireProbe.generation(params.path("payload"));
                }
            } catch (IOException | RuntimeException ex) {
                // not JSON after all: look further
            }
        }
        return "";
    }

    /** Thrown out of a wait when the run's deadline passed. */
    private static final class DeadlineReached extends RuntimeException {
        DeadlineReached() {
            super(null, null, false, false);
        }
    }

    /**
     * What a transcript may still spend waiting for frames that do not come, in nanoseconds. Shared by its
     * connections; only waits that ran out spend it.
     */
    private static final class WaitBudget {
        private long left;

        WaitBudget(long nanos) {
            left = nanos;
        }

        boolean spent() {
            return left <= 0;
        }

        Duration left(Duration max) {
            return Duration.ofNanos(Math.max(0, Math.min(left, max.toNanos())));
        }

        void spend(long nanos) {
            left -= nanos;
        }
    }

    private static TranscriptResult deadlineReached(String name, String file, RunOptions options, List<Difference> found,
                                                    long t0) {
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        return new TranscriptResult(name, file, TranscriptResult.Status.ERROR, found, "stopped after " + took.toMillis()
                + " ms: " + options.deadline().describe() + " passed" + (found.isEmpty() ? ""
                : "; differences found so far: " + found.size()), took, 0, 0);
    }

    /** How a connection is expected to end: the client closes with {@code code}, or the server does (-1: any code). */
    record CloseExpectation(boolean byServer, int code, int line) {}

    static CloseExpectation closeOf(Transcript t, String conn, FileRules rules, boolean lastConnection) {
        TranscriptMark close = null;
        for (TranscriptMark m : t.marksOf(conn)) {
            if (m.kind().equals("close")) {
                close = m;
            }
        }
        int line = close == null ? 0 : close.line();
        if (lastConnection && rules.closeCode().isPresent()) {
            return new CloseExpectation(true, rules.closeCode().getAsInt(), line);
        }
        if (close != null && close.by().equals("server")) {
            return new CloseExpectation(true, close.code(), line);
        }
        int code = close != null && (close.code() == 1000 || (close.code() >= 3000 && close.code() <= 4999)) ? close.code() : 1000;
        return new CloseExpectation(false, code, line);
    }

    /** One connection being replayed. */
    private static final class Conversation {
        private final WsClient ws;
        private final ConnectionMatcher matcher;
        private final String label;
        private final List<TranscriptEntry> entries;
        private final Captures captures;
        private final RunOptions options;
        private final WaitBudget budget;
        private WsClient.Event end;

        Conversation(WsClient ws, ConnectionMatcher matcher, String label, List<TranscriptEntry> entries,
                     Captures captures, RunOptions options, WaitBudget budget) {
            this.ws = ws;
            this.matcher = matcher;
            this.label = label;
            this.entries = entries;
            this.captures = captures;
            this.options = options;
            this.budget = budget;
        }

        void run(CloseExpectation close) throws InterruptedException {
            int sentUpTo = -1;
            for (int i = 0; i < entries.size() && end == null; i++) {
                TranscriptEntry e = entries.get(i);
                if (e.dir() != Direction.C2S) {
                    continue;
                }
                int index = i;
                long t0 = System.nanoTime();
                if (!await(options.maxWait(), () -> matcher.awaitedBefore(index).isEmpty())) {
                    matcher.gaveUp(matcher.awaitedBefore(index), e.line(), (System.nanoTime() - t0) / 1_000_000);
                } else if (!matcher.awaitedBefore(index, true).isEmpty()) {
                    // An optional frame recorded before this client frame: if it comes, it comes first, as recorded.
                    grace(() -> matcher.awaitedBefore(index, true).isEmpty());
                }
                if (end != null) {
                    break;
                }
                String text = options.exact() ? e.text() : captures.rewrite(e.text());
                if (!(e.binary() ? ws.sendBinary(text) : ws.sendText(text))) {
                    pump(CLOSE_WAIT, () -> false);
                    break;
                }
                sentUpTo = i;
                pump(Duration.ZERO, () -> false);
            }
            if (end == null && await(options.maxWait(), matcher::complete)) {
                // Optional frames (rules "optional") usually come right after the others: give them a moment.
                grace(matcher::completeWithOptional);
            }
            if (close.byServer()) {
                if (end == null) {
                    pump(options.maxWait(), () -> false);
                }
                checkServerClose(close);
                return;
            }
            if (end != null) {
                matcher.add(new Difference(Difference.Type.CLOSE, label, close.line(), "", "", "",
                        describe(end), "the server ended the connection"
                        + (sentUpTo < lastClientIndex() ? " before every recorded client frame was sent" : "")
                        + "; in the recording the client closes it" + (close.code() > 0 ? " with " + close.code() : "")));
                return;
            }
            // Frames the server sends after the last recorded one are judged too: wait until the line goes quiet.
            long settleUntil = System.nanoTime() + options.maxWait().toNanos();
            while (end == null && System.nanoTime() < settleUntil) {
                WsClient.Event e = poll(QUIET);
                if (e == null) {
                    break;
                }
                if (e instanceof WsClient.Text text) {
                    matcher.receive(text.text());
                } else {
                    end = e;
                }
            }
            if (end != null) {
                matcher.add(new Difference(Difference.Type.CLOSE, label, close.line(), "", "", "", describe(end),
                        "the server ended the connection; in the recording the client closes it"));
                return;
            }
            ws.sendClose(close.code());
            waitForEnd();
        }

        private void checkServerClose(CloseExpectation close) {
            String want = close.code() < 0 ? "the server to close the connection" : "the server to close with " + close.code();
            if (end == null) {
                matcher.add(new Difference(Difference.Type.CLOSE, label, close.line(), "", "", want, "still open",
                        "the connection was still open " + options.maxWait().toMillis() + " ms after the last frame"));
            } else if (end instanceof WsClient.Closed c && close.code() >= 0 && c.code() != close.code()) {
                matcher.add(new Difference(Difference.Type.CLOSE, label, close.line(), "", "close code",
                        Integer.toString(close.code()), describe(end), "different close code"));
            } else if (end instanceof WsClient.Failed) {
                matcher.add(new Difference(Difference.Type.CLOSE, label, close.line(), "", "", want, describe(end),
                        "the connection failed instead"));
            }
        }

        /** After the client's close: waits (bounded) for the server's; frames still arriving are not judged. */
        private void waitForEnd() throws InterruptedException {
            long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
            while (end == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                WsClient.Event e = poll(Duration.ofNanos(left));
                if (e == null) {
                    return;
                }
                if (!(e instanceof WsClient.Text)) {
                    end = e;
                }
            }
        }

        /**
         * Waits for {@code done}: up to {@code max} while the transcript's wait budget lasts (a wait that runs out
         * spends it), then only while frames keep coming, each within {@link #QUIET} of the last.
         *
         * @return true when {@code done} became true
         */
        private boolean await(Duration max, BooleanSupplier done) throws InterruptedException {
            if (budget.spent()) {
                return pump(max, QUIET, done);
            }
            long t0 = System.nanoTime();
            boolean ok = pump(budget.left(max), max, done);
            if (!ok && end == null) {
                budget.spend(System.nanoTime() - t0);
            }
            return ok;
        }

        /**
         * Gives optional frames (which may legitimately never come) a moment, {@link #OPTIONAL_GRACE} at most, without
         * spending the wait budget; once it is spent, only while frames keep coming.
         */
        private void grace(BooleanSupplier done) throws InterruptedException {
            Duration max = min(options.maxWait(), OPTIONAL_GRACE);
            pump(max, budget.spent() ? QUIET : max, done);
        }

        /** Hands received frames to the matcher until {@code done}, {@code max}, or the end of the connection. */
        private boolean pump(Duration max, BooleanSupplier done) throws InterruptedException {
            return pump(max, max, done);
        }

        /**
         * Hands received frames to the matcher until {@code done}, {@code max}, a silence of {@code quiet}, or the
         * end of the connection; throws {@link DeadlineReached} when the run's deadline passes meanwhile.
         *
         * @return true when {@code done} became true
         */
        private boolean pump(Duration max, Duration quiet, BooleanSupplier done) throws InterruptedException {
            long deadline = System.nanoTime() + max.toNanos();
            while (true) {
                if (done.getAsBoolean()) {
                    return true;
                }
                if (end != null) {
                    return false;
                }
                long left = Math.min(deadline - System.nanoTime(), quiet.toNanos());
                WsClient.Event e = poll(Duration.ofNanos(Math.max(0, left)));
                if (e == null) {
                    return done.getAsBoolean();
                }
                if (e instanceof WsClient.Text text) {
                    matcher.receive(text.text());
                } else {
                    end = e;
                }
            }
        }

        /**
         * Returns the next event within {@code wait}, cut to the run's deadline, or null; throws
         * {@link DeadlineReached} when the deadline has passed.
         */
        private WsClient.Event poll(Duration wait) throws InterruptedException {
            if (options.deadline().passed()) {
                throw new DeadlineReached();
            }
            WsClient.Event e = ws.poll(options.deadline().leftOr(wait));
            if (e == null && options.deadline().passed()) {
                throw new DeadlineReached();
            }
            return e;
        }

        private int lastClientIndex() {
            for (int i = entries.size() - 1; i >= 0; i--) {
                if (entries.get(i).dir() == Direction.C2S) {
                    return i;
                }
            }
            return -1;
        }

        private static String describe(WsClient.Event e) {
            if (e instanceof WsClient.Closed c) {
                return "closed with " + c.code() + (c.reason() == null || c.reason().isEmpty() ? "" : " \"" + c.reason() + "\"");
            }
            if (e instanceof WsClient.Failed f) {
                return "connection failed: " + f.error();
            }
            return String.valueOf(e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static TranscriptResult error(String name, String file, String message) {
        return new TranscriptResult(name, file, TranscriptResult.Status.ERROR, List.of(), message, Duration.ZERO, 0, 0);
    }

    /** Returns the URL with credentials in its query replaced, for messages. */
    static String redacted(URI uri) {
        return uri.toString().replaceAll("([?&](?:token|ticket|internal)=)[^&]*", "$1<redacted>");
    }
}
