package dev.hermesfront.conformance;

import dev.hermesfront.bridge.replay.ReplayLauncher;
import dev.hermesfront.protocol.transcript.Direction;
import dev.hermesfront.protocol.transcript.Transcript;
import dev.hermesfront.protocol.transcript.TranscriptEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Test helpers: project transcripts, edited copies of them, and a run through the in-process gateway. */
final class Replays {
    static final Rules RULES = Rules.resolve(Optional.of(TranscriptFiles.projectTranscripts().resolve(TranscriptFiles.RULES)), false);
    private static final ReplayRunner RUNNER = new ReplayRunner();

    private Replays() {}

    static Path file(String relative) {
        return TranscriptFiles.projectTranscripts().resolve(relative);
    }

    static Transcript read(String relative) {
        return Transcript.read(file(relative));
    }

    /** Returns a copy whose entries were edited by {@code edit}. */
    static Transcript edited(Transcript t, UnaryOperator<List<TranscriptEntry>> edit) {
        return new Transcript(t.name(), edit.apply(new ArrayList<>(t.entries())), t.notes(), t.marks());
    }

    /** Returns a copy where the text of the server frame at {@code index} went through {@code change}. */
    static Transcript serverFrameChanged(Transcript t, int index, UnaryOperator<String> change) {
        return edited(t, list -> {
            TranscriptEntry e = list.get(index);
            if (e.dir() != Direction.S2C) {
                throw new IllegalArgumentException("entry " + index + " is not a server frame");
            }
            list.set(index, new TranscriptEntry(e.tMillis(), e.dir(), e.conn(), change.apply(e.text()), e.json(), e.binary(), e.line()));
            return list;
        });
    }

    /** Returns the index of the first entry whose text contains all of {@code parts}. */
    static int indexOf(Transcript t, Direction dir, String... parts) {
        for (int i = 0; i < t.entries().size(); i++) {
            TranscriptEntry e = t.entries().get(i);
            if (e.dir() == dir && List.of(parts).stream().allMatch(e.text()::contains)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no " + dir + " entry with " + List.of(parts) + " in " + t.name());
    }

    /**
     * Runs {@code expected} against the gateway in front of a replay agent that plays {@code played}.
     */
    static TranscriptResult run(Transcript expected, Transcript played, boolean exact, TargetKind kind) throws Exception {
        return run(expected, played, exact, RULES.forFile(expected.name(), kind));
    }

    /** Runs with the given rules (their target kind included). */
    static TranscriptResult run(Transcript expected, Transcript played, boolean exact, FileRules rules) throws Exception {
        TargetKind kind = rules.kind();
        FileRules agentRules = RULES.forFile(expected.name(), TargetKind.REPLAY);
        ReplayLauncher launcher = ReplayLauncher.of(played);
        if (agentRules.agentExit().isPresent()) {
            launcher = launcher.exitingAtEof(agentRules.agentExit().getAsInt());
        }
        try (InProcessGateway gateway = InProcessGateway.start(launcher)) {
            RunOptions options = RunOptions.of(kind).withExact(exact).withWait(Duration.ofMillis(1500));
            return RUNNER.run(expected, expected.name(), rules, gateway.uri(), options);
        }
    }

    static TranscriptResult run(Transcript expected, Transcript played, boolean exact) throws Exception {
        return run(expected, played, exact, TargetKind.REPLAY);
    }
}
