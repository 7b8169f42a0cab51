package dev.hermesfront.conformance;

import java.time.Duration;
import java.util.Objects;

/**
 * Configures how the runner replays.
 *
 * @param kind           kind of target, for the rules' per-kind expectations
 * @param exact          true to compare frames byte for byte and in recorded order (no rule applies)
 * @param maxWait         longest wait for the server frames recorded before a client frame, for the frames after
 *                       the last one, and for a close (default 30 s)
 * @param connectTimeout handshake bound (default 10 s)
 */
public record RunOptions(TargetKind kind, boolean exact, Duration maxWait, Duration connectTimeout) {
    public RunOptions {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
    }

    /** Returns options with the default bounds. */
    public static RunOptions of(TargetKind kind) {
        return new RunOptions(kind, false, Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /** Returns a copy in exact (or rules) mode. */
    public RunOptions withExact(boolean on) {
        return new RunOptions(kind, on, maxWait, connectTimeout);
    }

    /** Returns a copy with another wait bound. */
    public RunOptions withWait(Duration d) {
        return new RunOptions(kind, exact, d, connectTimeout);
    }
}
