package dev.hermesfront.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.protocol.transcript.Transcript;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The replay agent as a real child process behind the gateway ({@code serve --agent-cmd} of
 * {@code ReplayAgentMain}): the stdio path, CR/LF removal towards the agent and crash handling included.
 */
class ProcessReplayTest {
    private static final ReplayRunner RUNNER = new ReplayRunner();

    @ParameterizedTest
    @ValueSource(strings = {"real/real-agent-prompt-stream.stdio.jsonl", "fixtures/ws-01-connect-ready-and-errors.jsonl",
            "fixtures/stdio-02-inline-handler-crash.jsonl", "fixtures/ws-03-approval-and-clarify.jsonl"})
    void transcriptPassesWithTheReplayAgentAsAChildProcess(String relative) throws Exception {
        Path file = Replays.file(relative);
        Transcript t = Transcript.read(file);
        FileRules rules = Replays.RULES.forFile(t.name(), TargetKind.REPLAY);
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.hermesfront.bridge.replay.ReplayAgentMain", file.toString()));
        rules.agentExit().ifPresent(status -> argv.addAll(List.of("--exit-at-eof", Integer.toString(status))));
        ProcessLauncher launcher = new ProcessLauncher(AgentCommand.of(argv, null, Map.of())
                .withGraces(Duration.ofSeconds(2), Duration.ofSeconds(1)));

        TranscriptResult result;
        try (InProcessGateway gateway = InProcessGateway.start(launcher)) {
            result = RUNNER.run(t, file.toString(), rules, gateway.uri(), RunOptions.of(TargetKind.REPLAY).withWait(Duration.ofSeconds(20)));
        }
        assertEquals(TranscriptResult.Status.PASSED, result.status(), result::render);
        assertEquals(0, launcher.liveCount(), "no agent process left");
    }
}
