package dev.hermesfront.gateway.ws;

import dev.hermesfront.gateway.policy.TokenBuckets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Decides whether a connection may start a new agent: a cap on agents alive at once (running or
 * parked), a cap per credential (one token must not hold every slot), and a token bucket per principal
 * so a reconnect storm cannot fork-bomb the host. Thread-safe.
 */
final class AdmissionControl {
    private final int maxAgents;
    private final int perCredential;
    private final TokenBuckets spawns;
    private final AtomicInteger agents = new AtomicInteger();
    /** Agents per credential; keys are configured credential names, so the map is as bounded as the configuration. */
    private final Map<String, AtomicInteger> byCredential = new ConcurrentHashMap<>();

    AdmissionControl(int maxAgents, int perCredential, int burst, double perSecond, LongSupplier nanoClock) {
        this.maxAgents = maxAgents;
        this.perCredential = perCredential;
        this.spawns = new TokenBuckets(burst, perSecond, nanoClock);
    }

    /** What {@link #tryStart} decided. */
    enum Verdict { OK, TOO_MANY_AGENTS, CREDENTIAL_CAP, SPAWN_RATE }

    /** Reserves one agent slot for {@code credential}; on OK the caller must {@link #release} it later. */
    Verdict tryStart(String credential, String principal) {
        if (spawns.take(principal) > 0) {
            return Verdict.SPAWN_RATE;
        }
        AtomicInteger mine = byCredential.computeIfAbsent(credential, k -> new AtomicInteger());
        if (mine.incrementAndGet() > perCredential) {
            mine.decrementAndGet();
            spawns.giveBack(principal);
            return Verdict.CREDENTIAL_CAP;
        }
        if (agents.incrementAndGet() > maxAgents) {
            agents.decrementAndGet();
            mine.decrementAndGet();
            spawns.giveBack(principal);
            return Verdict.TOO_MANY_AGENTS;
        }
        return Verdict.OK;
    }

    /** Returns an agent slot of {@code credential}. */
    void release(String credential) {
        agents.decrementAndGet();
        AtomicInteger mine = byCredential.get(credential);
        if (mine != null) {
            mine.decrementAndGet();
        }
    }

    /** Returns agents alive (running or parked). */
    int agents() {
        return agents.get();
    }
}
