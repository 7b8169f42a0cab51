package dev.hermesfront.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hermesfront.bridge.replay.ReplayLauncher;
import dev.hermesfront.protocol.transcript.Transcript;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every transcript of the project through the whole path, client → in-process gateway → replay agent
 * → gateway → client, in rules mode and in exact mode (the gateway forwards bytes untouched, so the frames
 * must come back byte for byte and in recorded order), and checks that every client frame reached the
 * agent as recorded.
 */
class ConformanceSuiteTest {
    private static final Rules RULES = Rules.resolve(Optional.of(TranscriptFiles.projectTranscripts().resolve(TranscriptFiles.RULES)), false);
    private static final ReplayRunner RUNNER = new ReplayRunner();

    static Stream<Arguments> transcripts() {
        return TranscriptFiles.expand(List.of(TranscriptFiles.projectTranscripts())).stream()
                .flatMap(f -> Stream.of(Arguments.of(f, "rules"), Arguments.of(f, "exact")));
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("transcripts")
    void everyTranscriptPassesThroughTheGateway(Path file, String mode) throws Exception {
        Transcript t = Transcript.read(file);
        FileRules rules = RULES.forFile(t.name(), TargetKind.REPLAY);
        assumeTrue(rules.applies(), rules::skipReason);
        ReplayLauncher launcher = ReplayLauncher.of(t);
        if (rules.agentExit().isPresent()) {
            launcher = launcher.exitingAtEof(rules.agentExit().getAsInt());
        }
        TranscriptResult result;
        try (InProcessGateway gateway = InProcessGateway.start(launcher)) {
            RunOptions options = RunOptions.of(TargetKind.REPLAY).withExact(mode.equals("exact")).withWait(Duration.ofSeconds(10));
            result = RUNNER.run(t, file.toString(), rules, gateway.uri(), options);
        }
        assertEquals(TranscriptResult.Status.PASSED, result.status(), result::render);
        assertEquals(List.of(), launcher.mismatches(), "client frames as the agent received them");
        assertEquals(t.connections().size(), launcher.opened(), "one agent per recorded connection");
    }

    @Test
    void findsTheProjectTranscripts() {
        List<Path> files = TranscriptFiles.expand(List.of(TranscriptFiles.projectTranscripts()));
        assertTrue(files.size() >= 10, "transcripts found: " + files);
    }
}
