package dev.hermesfront.gateway.policy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Counts failed authentications per client address and locks an address out after too many in a
 * window. A locked address gets 429 with {@code Retry-After} for every request until the lockout ends,
 * whatever it presents, so guessing stops paying.
 *
 * <p>Bounded, with every operation O(1) (at most one step per failure level), so a spray of addresses
 * costs nothing under the locks:
 * <ul>
 *   <li>failure counts of at most {@value #MAX_ADDRESSES} addresses. When a new address must make room, the
 *       one dropped is an address whose failures all left the window, else one with the fewest failures
 *       (least recently failed first). A spray of one-off failures therefore only ever displaces other one-off
 *       failures, never the count of an address that keeps guessing;</li>
 *   <li>lockouts of at most {@value #MAX_LOCKED} addresses, kept apart from the counts, so no amount of
 *       failures from other addresses lifts one. Past the bound the lockout of the address that has not
 *       knocked for the longest goes: an address that keeps trying stays locked out, and getting there at
 *       all takes {@value #MAX_LOCKED} other addresses locked out at once.</li>
 * </ul>
 * Thread-safe.
 */
public final class AuthFailures {
    /** Most addresses whose failures are counted at once. */
    static final int MAX_ADDRESSES = 10_000;
    /** Most addresses locked out at once. */
    static final int MAX_LOCKED = 10_000;

    private final int maxFailures;
    private final long windowNanos;
    private final long lockoutNanos;
    private final LongSupplier nanoClock;

    /** Recent failure times per address, oldest first, fewer than maxFailures (guarded by this). */
    private final Map<String, ArrayDeque<Long>> counts = new HashMap<>();
    /** byLevel.get(n - 1): the addresses that had n failures at their last one, least recently failed first (guarded by this). */
    private final List<LinkedHashSet<String>> byLevel = new ArrayList<>();
    /** When each lockout ends, least recently asked about first (access order; guarded by itself). */
    private final LinkedHashMap<String, Long> locked = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * @param maxFailures failures within {@code window} that lock an address out (default 10)
     * @param window      how far back failures count (default 60 s)
     * @param lockout     how long a lockout lasts (default 5 min)
     * @param nanoClock   the clock ({@link System#nanoTime()}, or a test's)
     */
    public AuthFailures(int maxFailures, Duration window, Duration lockout, LongSupplier nanoClock) {
        if (maxFailures < 1) {
            throw new IllegalArgumentException("maxFailures must be at least 1");
        }
        this.maxFailures = maxFailures;
        this.windowNanos = window.toNanos();
        this.lockoutNanos = lockout.toNanos();
        this.nanoClock = nanoClock;
        for (int i = 0; i < maxFailures; i++) {
            byLevel.add(new LinkedHashSet<>());
        }
    }

    /** Returns the seconds left of {@code address}'s lockout, or 0 when it is not locked out. */
    public long lockedForSeconds(String address) {
        long left;
        synchronized (locked) {
            Long until = locked.get(address);
            if (until == null) {
                return 0;
            }
            left = until - nanoClock.getAsLong();
            if (left <= 0) {
                locked.remove(address);
                return 0;
            }
        }
        return Math.max(1, (left + 999_999_999) / 1_000_000_000);
    }

    /**
     * Records a failure from {@code address}; failures during its lockout are not counted.
     *
     * @return true when this failure started a lockout
     */
    public boolean fail(String address) {
        if (lockedForSeconds(address) > 0) {
            return false;
        }
        long now = nanoClock.getAsLong();
        synchronized (this) {
            ArrayDeque<Long> times = counts.get(address);
            if (times != null) {
                byLevel.get(times.size() - 1).remove(address);
                while (!times.isEmpty() && now - times.peekFirst() > windowNanos) {
                    times.pollFirst();
                }
            } else {
                if (counts.size() >= MAX_ADDRESSES) {
                    dropOne(now);
                }
                times = new ArrayDeque<>();
                counts.put(address, times);
            }
            times.addLast(now);
            if (times.size() < maxFailures) {
                byLevel.get(times.size() - 1).add(address);
                return false;
            }
            counts.remove(address);
        }
        lock(address, now + lockoutNanos);
        return true;
    }

    /** Drops one count: a stale one if a level's least recent address is stale, else the least recent of the lowest level. */
    private void dropOne(long now) {
        String victim = null;
        for (LinkedHashSet<String> level : byLevel) {
            Iterator<String> oldest = level.iterator();
            if (!oldest.hasNext()) {
                continue;
            }
            String a = oldest.next();
            if (victim == null) {
                victim = a;
            }
            if (now - counts.get(a).peekLast() > windowNanos) {
                victim = a;
                break;
            }
        }
        if (victim != null) {
            byLevel.get(counts.remove(victim).size() - 1).remove(victim);
        }
    }

    private void lock(String address, long until) {
        synchronized (locked) {
            long now = nanoClock.getAsLong();
            // Ended lockouts that nobody asked about since sit towards the head: drop those found there first.
            Iterator<Long> first = locked.values().iterator();
            while (first.hasNext() && first.next() - now <= 0) {
                first.remove();
            }
            if (locked.size() >= MAX_LOCKED) {
                Iterator<String> eldest = locked.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
            locked.put(address, until);
        }
    }

    /** Returns how many addresses have failures counted. */
    synchronized long counted() {
        return counts.size();
    }

    /** Returns how many lockouts are kept (some may have ended and not been dropped yet). */
    long lockedOut() {
        synchronized (locked) {
            return locked.size();
        }
    }
}
