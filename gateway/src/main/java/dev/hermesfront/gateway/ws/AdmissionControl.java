package dev.hermesfront.gateway.ws;

import dev.hermesfront.gateway.policy.TokenBuckets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Decides whether a connection may start a new agent: a cap on agents alive at once (running or
 * parked), and a token bucket per principal so a reconnect storm cannot fork-bomb the host.
 * Thread-safe.
 */
final class AdmissionControl {
    private final int maxAgents;
    private final TokenBuckets spawns;
    private final AtomicInteger agents = new AtomicInteger();

    AdmissionControl(int maxAgents, int burst, double perSecond, LongSupplier nanoClock) {
        this.maxAgents = maxAgents;
        this.spawns = new TokenBuckets(burst, perSecond, nanoClock);
    }

    /** What {@link #tryStart} decided. */
    enum Verdict { OK, TOO_MANY_AGENTS, SPAWN_RATE }

    /** Reserves one agent slot for {@code principal}; on OK the caller must {@link #release} it later. */
    Verdict tryStart(String principal) {
        if (spawns.take(principal) > 0) {
            return Verdict.SPAWN_RATE;
        }
        if (agents.incrementAndGet() > maxAgents) {
            agents.decrementAndGet();
            spawns.giveBack(principal);
            return Verdict.TOO_MANY_AGENTS;
        }
        return Verdict.OK;
    }

    /** Returns an agent slot. */
    void release() {
        agents.decrementAndGet();
    }

    /** Returns agents alive (running or parked). */
    int agents() {
        return agents.get();
    }
}
