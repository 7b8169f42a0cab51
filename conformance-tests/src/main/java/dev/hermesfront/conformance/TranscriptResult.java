package dev.hermesfront.conformance;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Holds the outcome of replaying one transcript against one target.
 *
 * @param name        transcript name
 * @param file        path of the transcript file as given, or {@code ""}
 * @param status      passed, failed, could not run, or skipped
 * @param differences what differed (failed only)
 * @param message     why it was skipped or could not run; a summary otherwise
 * @param duration    time taken
 * @param expected    server frames recorded
 * @param received    server frames received
 * @param tolerated   what the rules tolerated, each named (type {@link Difference.Type#TOLERATED}): these never fail it
 * @param applied     the rules that passed a value or frame differing from the recording, by name
 * @param wire        the wire generation of the recording's first {@code gateway.ready} ({@link WireProbe#generation}),
 *                    or {@code ""} when it has none
 */
public record TranscriptResult(String name, String file, Status status, List<Difference> differences, String message,
                               Duration duration, int expected, int received, List<Difference> tolerated,
                               List<String> applied, String wire) {

    /** How a transcript run ended. */
    public enum Status {
        /** Every recorded frame arrived as the rules allow, and nothing else. */
        PASSED,
        /** At least one difference. */
        FAILED,
        /** The run could not be carried out (connection refused, unreadable transcript). */
        ERROR,
        /** The transcript does not apply to this kind of target. */
        SKIPPED
    }

    public TranscriptResult {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        differences = List.copyOf(differences);
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(duration, "duration");
        tolerated = List.copyOf(tolerated);
        applied = List.copyOf(applied);
        Objects.requireNonNull(wire, "wire");
    }

    /** A result with nothing tolerated, no rule applied and no recorded wire named. */
    public TranscriptResult(String name, String file, Status status, List<Difference> differences, String message,
                            Duration duration, int expected, int received) {
        this(name, file, status, differences, message, duration, expected, received, List.of(), List.of(), "");
    }

    /** Returns true when the transcript passed. */
    public boolean passed() {
        return status == Status.PASSED;
    }

    /** Renders the result for a person: a status line, then each difference. */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append(switch (status) {
            case PASSED -> "PASS ";
            case FAILED -> "FAIL ";
            case ERROR -> "ERROR ";
            case SKIPPED -> "SKIP ";
        }).append(name);
        if (status == Status.PASSED || status == Status.FAILED) {
            b.append(" (").append(received).append('/').append(expected).append(" server frames, ")
                    .append(duration.toMillis()).append(" ms)");
        }
        if (!message.isEmpty()) {
            b.append(": ").append(message);
        }
        for (Difference d : differences) {
            b.append("\n  ").append(d.render());
        }
        for (Difference d : tolerated) {
            b.append("\n  ").append(d.render());
        }
        if (!wire.isEmpty() || !applied.isEmpty()) {
            b.append("\n  ");
            if (!wire.isEmpty()) {
                b.append("recorded wire: ").append(wire).append(applied.isEmpty() ? "" : "; ");
            }
            if (!applied.isEmpty()) {
                b.append("rules applied: ").append(String.join(", ", applied));
            }
        }
        return b.toString();
    }
}
