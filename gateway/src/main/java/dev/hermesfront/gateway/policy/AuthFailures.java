package dev.hermesfront.gateway.policy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Counts failed authentications per client address and locks an address out after too many in a
 * window. A locked address gets 429 with {@code Retry-After} for every request until the lockout ends,
 * whatever it presents, so guessing stops paying. Bounded to 10,000 addresses. Thread-safe.
 */
public final class AuthFailures {
    private static final int MAX_ADDRESSES = 10_000;

    private final int maxFailures;
    private final long windowNanos;
    private final long lockoutNanos;
    private final LongSupplier nanoClock;
    private final Map<String, State> byAddress = new HashMap<>();

    /**
     * @param maxFailures failures within {@code window} that lock an address out (default 10)
     * @param window      how far back failures count (default 60 s)
     * @param lockout     how long a lockout lasts (default 5 min)
     */
    public AuthFailures(int maxFailures, Duration window, Duration lockout, LongSupplier nanoClock) {
        this.maxFailures = maxFailures;
        this.windowNanos = window.toNanos();
        this.lockoutNanos = lockout.toNanos();
        this.nanoClock = nanoClock;
    }

    /** Returns the seconds left of {@code address}'s lockout, or 0 when it is not locked out. */
    public synchronized long lockedForSeconds(String address) {
        State s = byAddress.get(address);
        if (s == null || s.lockedUntil == 0) {
            return 0;
        }
        long left = s.lockedUntil - nanoClock.getAsLong();
        if (left <= 0) {
            byAddress.remove(address);
            return 0;
        }
        return Math.max(1, (left + 999_999_999) / 1_000_000_000);
    }

    /**
     * Records a failure from {@code address}.
     *
     * @return true when this failure started a lockout
     */
    public synchronized boolean fail(String address) {
        long now = nanoClock.getAsLong();
        if (byAddress.size() >= MAX_ADDRESSES && !byAddress.containsKey(address)) {
            byAddress.values().removeIf(s -> s.lockedUntil < now && (s.failures.isEmpty() || now - s.failures.peekLast() > windowNanos));
        }
        State s = byAddress.computeIfAbsent(address, a -> new State());
        while (!s.failures.isEmpty() && now - s.failures.peekFirst() > windowNanos) {
            s.failures.pollFirst();
        }
        s.failures.addLast(now);
        if (s.failures.size() > maxFailures) {
            s.failures.pollFirst();
        }
        if (s.failures.size() >= maxFailures && s.lockedUntil <= now) {
            s.lockedUntil = now + lockoutNanos;
            s.failures.clear();
            return true;
        }
        return false;
    }

    private static final class State {
        final ArrayDeque<Long> failures = new ArrayDeque<>();
        long lockedUntil;
    }
}
