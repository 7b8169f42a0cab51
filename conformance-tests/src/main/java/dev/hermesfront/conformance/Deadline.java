package dev.hermesfront.conformance;

import java.time.Duration;

/**
 * The moment a whole run must end by ({@code --deadline}), on the {@link System#nanoTime()} clock. Immutable.
 *
 * @param startNanos when the run started
 * @param total      how long it may take, or null for no deadline
 */
public record Deadline(long startNanos, Duration total) {
    /** No deadline. */
    public static final Deadline NONE = new Deadline(0, null);

    /** Returns a deadline {@code total} from now. */
    public static Deadline in(Duration total) {
        return new Deadline(System.nanoTime(), total);
    }

    /** Returns how long is left (zero when passed), or {@code max} when that is shorter or there is no deadline. */
    public Duration leftOr(Duration max) {
        if (total == null) {
            return max;
        }
        long left = Math.max(0, total.toNanos() - (System.nanoTime() - startNanos));
        return left < max.toNanos() ? Duration.ofNanos(left) : max;
    }

    /** Returns true when the deadline has passed. */
    public boolean passed() {
        return total != null && System.nanoTime() - startNanos >= total.toNanos();
    }

    /** Describes the deadline for messages: {@code the run's deadline (90 s)}. */
    public String describe() {
        return "the run's deadline (" + (total == null ? "none" : total.toMillis() % 1000 == 0 ? total.toSeconds() + " s"
                : total.toMillis() + " ms") + ")";
    }
}
