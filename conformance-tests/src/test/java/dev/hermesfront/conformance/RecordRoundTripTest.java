package dev.hermesfront.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.replay.ReplayLauncher;
import dev.hermesfront.gateway.record.RecordingLauncher;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.Transcript;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record mode end to end: a live session through the gateway with {@code --record} becomes a transcript that the
 * runner accepts, that passes through the replay agent byte for byte, and that holds against a new live agent
 * under the rules (its session ids and timestamps differ).
 */
class RecordRoundTripTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void aRecordedLiveSessionReplaysExactlyAndHoldsAgainstANewAgent() throws Exception {
        Path recorded = recordDemoSession(dir);
        Transcript t = Transcript.read(recorded);
        assertEquals(1, t.connections().size());
        assertTrue(t.entries().size() >= 10, "frames recorded: " + t.entries().size());
        assertEquals("close", t.marks().get(t.marks().size() - 1).kind());

        FileRules rules = Replays.RULES.forFile(t.name(), TargetKind.REPLAY);
        ReplayRunner runner = new ReplayRunner();
        ReplayLauncher replay = ReplayLauncher.of(t);
        try (InProcessGateway gateway = InProcessGateway.start(replay)) {
            TranscriptResult exact = runner.run(t, recorded.toString(), rules, gateway.uri(), RunOptions.of(TargetKind.REPLAY).withExact(true));
            assertEquals(TranscriptResult.Status.PASSED, exact.status(), exact::render);
        }
        assertEquals(List.of(), replay.mismatches());

        FileRules live = Replays.RULES.forFile(t.name(), TargetKind.GATEWAY);
        try (InProcessGateway gateway = InProcessGateway.start(new DemoLauncher(new ObjectMapper(), new FrameCodec()))) {
            TranscriptResult result = runner.run(t, recorded.toString(), live, gateway.uri(), RunOptions.of(TargetKind.GATEWAY));
            assertEquals(TranscriptResult.Status.PASSED, result.status(), result::render);
            TranscriptResult exact = runner.run(t, recorded.toString(), live, gateway.uri(),
                    RunOptions.of(TargetKind.GATEWAY).withExact(true).withWait(Duration.ofSeconds(2)));
            assertFalse(exact.passed(), "a new agent picks other session ids: " + exact.render());
        }
    }

    /**
     * A recording made with record mode, in a folder with no rules file anywhere above it, passes against a new
     * agent of the same kind with the built-in rules alone (its session ids, stored keys and timestamps differ),
     * and fails without them.
     */
    @Test
    void aRecordingOutsideTheProjectPassesWithNoRulesGiven() throws Exception {
        Path recorded = recordDemoSession(dir);
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8);
        try (InProcessGateway gateway = InProcessGateway.start(new DemoLauncher(new ObjectMapper(), new FrameCodec()))) {
            int code = ConformanceMain.commandLine(out).execute("--target", gateway.uri().toString(), "--no-probe",
                    recorded.toString());
            assertEquals(0, code, printed.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        String text = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("rules built-in)"), text);
        assertTrue(text.contains("PASS " + recorded.getFileName().toString().replace(".jsonl", "")), text);

        Path empty = Files.writeString(dir.resolve("none.json"), "{}");
        printed.reset();
        try (InProcessGateway gateway = InProcessGateway.start(new DemoLauncher(new ObjectMapper(), new FrameCodec()))) {
            int code = ConformanceMain.commandLine(out).execute("--target", gateway.uri().toString(), "--no-probe",
                    "--wait", "2", "--rules", empty.toString(), "--rules-replace", recorded.toString());
            assertEquals(1, code, printed.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        text = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("at result.session_id: different string"), text);
        assertTrue(text.contains("at result.sessions[0].started_at: different number"), text);
    }

    /** Records one demo session (create, list, one turn) through the gateway in record mode; returns the file. */
    private static Path recordDemoSession(Path dir) throws Exception {
        try (InProcessGateway gateway = InProcessGateway.start(
                RecordingLauncher.wrap(new DemoLauncher(new ObjectMapper(), new FrameCodec()), dir))) {
            HttpClient http = HttpClient.newHttpClient();
            try (WsClient ws = WsClient.connect(http, gateway.uri(), WAIT)) {
                awaitFrame(ws, f -> f.contains("gateway.ready"));
                assertTrue(ws.sendText("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {\"cols\": 80}}"));
                String created = awaitFrame(ws, f -> f.contains("\"id\": \"r1\""));
                String sid = created.replaceAll(".*\"session_id\": \"([0-9a-f]+)\".*", "$1");
                awaitFrame(ws, f -> f.contains("session.info"));
                assertTrue(ws.sendText("{\"jsonrpc\": \"2.0\", \"id\": \"r2\", \"method\": \"prompt.submit\", \"params\": "
                        + "{\"session_id\": \"" + sid + "\", \"text\": \"hello there\"}}"));
                awaitFrame(ws, f -> f.contains("message.complete"));
                awaitFrame(ws, f -> f.contains("session.info"));
                assertTrue(ws.sendText("{\"jsonrpc\": \"2.0\", \"id\": \"r3\", \"method\": \"session.active_list\", \"params\": "
                        + "{\"current_session_id\": \"" + sid + "\"}}"));
                awaitFrame(ws, f -> f.contains("\"id\": \"r3\""));
                assertTrue(ws.sendClose(1000));
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jsonl")).findFirst().orElseThrow();
        }
    }

    private static String awaitFrame(WsClient ws, Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            WsClient.Event e = ws.poll(Duration.ofNanos(deadline - System.nanoTime()));
            assertNotNull(e, "no frame within " + WAIT);
            String text = assertInstanceOf(WsClient.Text.class, e).text();
            if (wanted.test(text)) {
                return text;
            }
        }
        throw new AssertionError("frame not seen within " + WAIT);
    }
}
