package dev.hermesfront.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.replay.ReplayLauncher;
import dev.hermesfront.protocol.transcript.Transcript;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner never hangs: a response whose id differs from its request's, responses that never come, a server
 * that never closes, and a whole run past its deadline each end as named differences within the configured bounds.
 * The preemptive timeouts are hang guards only, far above what each case is allowed.
 */
class NeverHangsTest {
    private static final Duration GUARD = Duration.ofSeconds(60);
    private static final String READY = "{\"t_ms\": 0, \"dir\": \"s2c\", \"frame\": {\"jsonrpc\": \"2.0\", \"method\": \"event\", "
            + "\"params\": {\"type\": \"gateway.ready\", \"payload\": {\"skin\": {}}}}}";
    private static final int REQUESTS = 5;

    @TempDir
    Path dir;

    /** A recording of {@code REQUESTS} requests {@code "k<n>"}, each answered with the id {@code idOf(n)} (or not at all). */
    private static List<String> recording(IntFunction<String> idOf, boolean withResponses) {
        List<String> lines = new ArrayList<>(List.of(READY));
        for (int n = 1; n <= REQUESTS; n++) {
            lines.add("{\"t_ms\": " + n + ", \"dir\": \"c2s\", \"frame\": {\"jsonrpc\": \"2.0\", \"id\": \"k" + n
                    + "\", \"method\": \"session.most_recent\", \"params\": {}}}");
            if (withResponses) {
                lines.add("{\"t_ms\": " + n + ", \"dir\": \"s2c\", \"frame\": {\"jsonrpc\": \"2.0\", \"id\": " + idOf.apply(n)
                        + ", \"result\": {\"session_id\": null}}}");
            }
        }
        return lines;
    }

    private static TranscriptResult run(Transcript expected, AgentLauncher agent, Duration wait) throws Exception {
        try (InProcessGateway gateway = InProcessGateway.start(agent)) {
            RunOptions options = RunOptions.of(TargetKind.GATEWAY).withWait(wait);
            return new ReplayRunner().run(expected, "test", Rules.builtIn().forFile(expected.name(), TargetKind.GATEWAY),
                    gateway.uri(), options);
        }
    }

    @Test
    void aResponseIdThatDiffersFromTheRequestsIsNamedAtOnce() {
        Transcript recorded = Transcript.parse("mismatched-ids", recording(n -> Integer.toString(n), true));
        Transcript server = Transcript.parse("server", recording(n -> "\"k" + n + "\"", true));
        TranscriptResult r = assertTimeoutPreemptively(GUARD, () -> run(recorded, ReplayLauncher.of(server), Duration.ofSeconds(20)));
        assertEquals(TranscriptResult.Status.FAILED, r.status(), r::render);
        assertEquals(REQUESTS, r.differences().size(), r::render);
        for (int n = 1; n <= REQUESTS; n++) {
            Difference d = r.differences().get(n - 1);
            assertEquals(Difference.Type.CONTENT, d.type(), r::render);
            assertEquals(1 + 2 * n, d.line(), "names the recorded response's line: " + r.render());
            assertEquals("id", d.path());
            assertTrue(d.detail().contains("no recorded request has the id " + n + "; the request with the id \"k" + n
                    + "\" was sent at line " + 2 * n), d.detail());
        }
        assertTrue(!r.render().contains("waited"), "no frame was waited for: " + r.render());
    }

    @Test
    void aResultThatComesBackAsAnErrorIsNamedAtOnce() {
        Transcript recorded = Transcript.parse("result", recording(n -> "\"k" + n + "\"", true));
        List<String> lines = new ArrayList<>(List.of(READY));
        for (int n = 1; n <= REQUESTS; n++) {
            lines.add(recording(k -> "", false).get(n));
            lines.add("{\"t_ms\": 9, \"dir\": \"s2c\", \"frame\": {\"jsonrpc\": \"2.0\", \"id\": \"k" + n
                    + "\", \"error\": {\"code\": 4001, \"message\": \"session not found\"}}}");
        }
        Transcript server = Transcript.parse("server", lines);
        TranscriptResult r = assertTimeoutPreemptively(GUARD, () -> run(recorded, ReplayLauncher.of(server), Duration.ofSeconds(20)));
        assertEquals(2 * REQUESTS, r.differences().size(), r::render);
        assertTrue(r.differences().stream().allMatch(d -> d.type() == Difference.Type.CONTENT), r::render);
        assertEquals(List.of("result", "error"), r.differences().subList(0, 2).stream().map(Difference::path).toList());
        assertTrue(!r.render().contains("waited"), "no frame was waited for: " + r.render());
    }

    @Test
    void responsesThatNeverComeCostOneWaitNotOnePerRequest() {
        Duration wait = Duration.ofSeconds(3);
        Transcript recorded = Transcript.parse("no-answers", recording(n -> "\"k" + n + "\"", true));
        Transcript server = Transcript.parse("server", recording(n -> "", false));
        TranscriptResult r = assertTimeoutPreemptively(GUARD, () -> run(recorded, ReplayLauncher.of(server), wait));
        assertEquals(TranscriptResult.Status.FAILED, r.status(), r::render);
        List<Long> waited = new ArrayList<>();
        for (Difference d : r.differences()) {
            assertEquals(Difference.Type.MISSING, d.type(), r::render);
            Matcher m = Pattern.compile("the client waited (\\d+) ms").matcher(d.detail());
            if (m.find()) {
                waited.add(Long.parseLong(m.group(1)));
            }
        }
        assertEquals(REQUESTS, r.differences().size(), r::render);
        assertEquals(REQUESTS - 1, waited.size(), "the last one is missing at the end: " + r.render());
        assertTrue(waited.get(0) >= wait.toMillis() - 50, "the first gap is waited for in full: " + waited);
        for (long w : waited.subList(1, waited.size())) {
            assertTrue(w < wait.toMillis() / 2, "later gaps only while frames come (300 ms of silence): " + waited);
        }
    }

    @Test
    void aServerThatNeverClosesIsADifferenceAfterTheWait() {
        List<String> lines = new ArrayList<>(recording(n -> "\"k" + n + "\"", true));
        Transcript server = Transcript.parse("server", lines);
        lines.add("{\"dir\": \"meta\", \"event\": \"close\", \"by\": \"server\", \"code\": 1011}");
        Transcript recorded = Transcript.parse("server-closes", lines);
        TranscriptResult r = assertTimeoutPreemptively(GUARD, () -> run(recorded, ReplayLauncher.of(server), Duration.ofSeconds(2)));
        assertEquals(TranscriptResult.Status.FAILED, r.status(), r::render);
        assertEquals(1, r.differences().size(), r::render);
        assertEquals(Difference.Type.CLOSE, r.differences().get(0).type());
        assertTrue(r.render().contains("still open"), r::render);
    }

    @Test
    void theRunEndsAtItsDeadlineWithExitTwoAndWhatItHas() throws Exception {
        Path a = Files.write(dir.resolve("a.jsonl"), recording(n -> "\"k" + n + "\"", true));
        Path b = Files.write(dir.resolve("b.jsonl"), recording(n -> "\"k" + n + "\"", true));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        int code;
        try (InProcessGateway gateway = InProcessGateway.start(new SilentLauncher())) {
            code = assertTimeoutPreemptively(GUARD, () -> ConformanceMain.commandLine(out).execute("--target",
                    gateway.uri().toString(), "--no-probe", "--wait", "30", "--deadline", "2", "--junit",
                    dir.resolve("j.xml").toString(), a.toString(), b.toString()));
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, text);
        assertTrue(text.contains("ERROR a: stopped after "), text);
        assertTrue(text.contains("the run's deadline (2 s) passed"), text);
        assertTrue(text.contains("ERROR b: not run: the run's deadline (2 s) passed before it started"), text);
        assertTrue(text.contains("passed 0, failed 0, could not run 2, skipped 0"), text);
        assertTrue(Files.readString(dir.resolve("j.xml")).contains("name=\"deadline\" value=\"the run's deadline (2 s)\""));
    }

    /** An agent that says it is ready and then answers nothing. */
    private static final class SilentLauncher implements AgentLauncher {
        @Override
        public AgentLink open(dev.hermesfront.bridge.ClientSink sink) {
            sink.send("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": {\"skin\": {}}}}");
            return new AgentLink() {
                @Override
                public boolean send(dev.hermesfront.protocol.WireFrame frame) {
                    return true;
                }

                @Override
                public void close() {
                }

                @Override
                public String describe() {
                    return "silent agent";
                }
            };
        }

        @Override
        public String kind() {
            return "silent";
        }

        @Override
        public void close() {
        }
    }
}
