package dev.hermesfront.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.current.CurrentWireAgent;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.Transcript;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the spec-derived current-wire transcripts ({@code transcripts/current/}) against the in-process gateway in
 * front of the current-wire stand-in agent, as a {@code standin} target: the agent is live, so ids, epochs and
 * {@code srq-} ids are new and the rules capture them. Parking is on, as in {@code serve}, so that the
 * resume-after-drop transcript's second connection re-attaches the first one's agent. Transcripts the rules mark
 * as pending are skipped with their reason.
 */
class CurrentWireSuiteTest {
    private static final ReplayRunner RUNNER = new ReplayRunner();

    static Stream<Path> transcripts() {
        return TranscriptFiles.expand(List.of(TranscriptFiles.projectTranscripts().resolve("current"))).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void passesAgainstTheGatewayInFrontOfTheStandIn(Path file) throws Exception {
        Transcript t = Transcript.read(file);
        FileRules rules = Replays.RULES.forFile(t.name(), TargetKind.STANDIN);
        assumeTrue(rules.applies(), rules::skipReason);
        // The shared-session transcripts need the stand-in with that ready shape (tui-wire-current.md §13).
        CurrentWireLauncher launcher = new CurrentWireLauncher(new ObjectMapper(), new FrameCodec(),
                t.name().contains("shared-session") ? CurrentWireAgent.Ready.SHARED_SESSION : CurrentWireAgent.Ready.V1_9EB0);
        TranscriptResult result = run(t, file, rules, launcher);
        assertEquals(TranscriptResult.Status.PASSED, result.status(), result::render);
        assertFalse(launcher.received().contains("gateway.ping"), "the front answers gateway.ping: " + launcher.received());
        assertEquals(1, launcher.opened(), "one agent, re-attached by later connections");
    }

    @Test
    void theStandInRunsAsAStdioChildProcessToo() throws Exception {
        Path file = Replays.file("current/current-03-server-requests.jsonl");
        Transcript t = Transcript.read(file);
        List<String> argv = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.hermesfront.bridge.current.CurrentWireAgentMain");
        ProcessLauncher launcher = new ProcessLauncher(AgentCommand.of(argv, null, Map.of())
                .withGraces(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        TranscriptResult result = run(t, file, Replays.RULES.forFile(t.name(), TargetKind.STANDIN), launcher);
        assertEquals(TranscriptResult.Status.PASSED, result.status(), result::render);
        assertEquals(0, launcher.liveCount(), "no agent process left");
    }

    private static TranscriptResult run(Transcript t, Path file, FileRules rules, AgentLauncher launcher) throws Exception {
        try (InProcessGateway gateway = InProcessGateway.start(launcher, ParkingPolicy.defaults())) {
            return RUNNER.run(t, file.toString(), rules, gateway.uri(),
                    RunOptions.of(TargetKind.STANDIN).withWait(Duration.ofSeconds(10)));
        }
    }
}
