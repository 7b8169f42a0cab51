package dev.hermesfront.gateway.ws;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Decides whether a connection may start a new agent: a cap on agents alive at once (running or
 * parked), and a token bucket per principal so a reconnect storm cannot fork-bomb the host.
 * Thread-safe.
 */
final class AdmissionControl {
    private final int maxAgents;
    private final int burst;
    private final double perSecond;
    private final LongSupplier nanoClock;
    private final AtomicInteger agents = new AtomicInteger();
    private final Map<String, Bucket> buckets = new HashMap<>();

    AdmissionControl(int maxAgents, int burst, double perSecond, LongSupplier nanoClock) {
        this.maxAgents = maxAgents;
        this.burst = burst;
        this.perSecond = perSecond;
        this.nanoClock = nanoClock;
    }

    /** What {@link #tryStart} decided. */
    enum Verdict { OK, TOO_MANY_AGENTS, SPAWN_RATE }

    /** Reserves one agent slot for {@code principal}; on OK the caller must {@link #release} it later. */
    Verdict tryStart(String principal) {
        synchronized (buckets) {
            long now = nanoClock.getAsLong();
            Bucket b = buckets.computeIfAbsent(principal, k -> new Bucket(burst, now));
            b.tokens = Math.min(burst, b.tokens + (now - b.at) / 1e9 * perSecond);
            b.at = now;
            if (b.tokens < 1) {
                return Verdict.SPAWN_RATE;
            }
            if (agents.incrementAndGet() > maxAgents) {
                agents.decrementAndGet();
                return Verdict.TOO_MANY_AGENTS;
            }
            b.tokens -= 1;
            if (buckets.size() > 10_000) {
                buckets.values().removeIf(x -> x.tokens >= burst - 1);
            }
            return Verdict.OK;
        }
    }

    /** Returns an agent slot. */
    void release() {
        agents.decrementAndGet();
    }

    /** Start tokens of one principal. Guarded by {@code buckets}. */
    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    /** Returns agents alive (running or parked). */
    int agents() {
        return agents.get();
    }
}
