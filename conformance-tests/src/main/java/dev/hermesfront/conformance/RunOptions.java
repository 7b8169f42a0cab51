package dev.hermesfront.conformance;

import java.time.Duration;
import java.util.Objects;

/**
 * Configures how the runner replays.
 *
 * @param kind           kind of target, for the rules' per-kind expectations
 * @param exact          true to compare frames byte for byte and in recorded order (no rule applies)
 * @param maxWait        longest wait for the server frames recorded before a client frame, for the frames after
 *                       the last one, and for a close (default 30 s); a transcript spends at most this long in
 *                       total waiting for frames that never come (after that it waits only while frames arrive)
 * @param connectTimeout handshake bound (default 10 s)
 * @param deadline       when the whole run must end; a transcript still running then ends as "could not run"
 */
public record RunOptions(TargetKind kind, boolean exact, Duration maxWait, Duration connectTimeout, Deadline deadline) {
    public RunOptions {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(deadline, "deadline");
    }

    /** Returns options with the default bounds and no run deadline. */
    public static RunOptions of(TargetKind kind) {
        return new RunOptions(kind, false, Duration.ofSeconds(30), Duration.ofSeconds(10), Deadline.NONE);
    }

    /** Returns a copy in exact (or rules) mode. */
    public RunOptions withExact(boolean on) {
        return new RunOptions(kind, on, maxWait, connectTimeout, deadline);
    }

    /** Returns a copy with another wait bound. */
    public RunOptions withWait(Duration d) {
        return new RunOptions(kind, exact, d, connectTimeout, deadline);
    }

    /** Returns a copy that ends by {@code d}. */
    public RunOptions withDeadline(Deadline d) {
        return new RunOptions(kind, exact, maxWait, connectTimeout, d);
    }
}
