package dev.hermesfront.bridge.park;

import java.time.Duration;
import java.util.Objects;

/**
 * How long and how much a detached agent is kept for its client.
 *
 * @param window    how long a parked agent waits for its client; zero disables parking (default 2 min)
 * @param maxFrames frames buffered while parked before the agent is given up (default 10,000)
 * @param maxBytes  bytes (UTF-8) buffered while parked before the agent is given up (default 8 Mi)
 */
public record ParkingPolicy(Duration window, int maxFrames, long maxBytes) {
    public ParkingPolicy {
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || maxFrames < 0 || maxBytes < 0) {
            throw new IllegalArgumentException("parking bounds must not be negative");
        }
    }

    /** Returns the defaults: 2 minutes, 10,000 frames, 8 MiB. */
    public static ParkingPolicy defaults() {
        return new ParkingPolicy(Duration.ofMinutes(2), 10_000, 8L << 20);
    }

    /** Returns a policy that never parks. */
    public static ParkingPolicy disabled() {
        return new ParkingPolicy(Duration.ZERO, 0, 0);
    }

    /** Returns true when agents are kept after their client leaves. */
    public boolean enabled() {
        return !window.isZero() && maxFrames > 0 && maxBytes > 0;
    }
}
