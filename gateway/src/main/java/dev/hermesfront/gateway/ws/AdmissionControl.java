package dev.hermesfront.gateway.ws;

import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.policy.TokenBuckets;
import dev.hermesfront.gateway.policy.WindowedLog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Decides whether a connection may start a new agent: a cap on agents alive at once (running or
 * parked), a cap per credential (one token must not hold every slot: a few agents, each a process of some
 * 60 MB; a {@code read} credential, which can only observe, fewer still), and a token bucket per credential
 * (its local and peer routes together) so a reconnect storm cannot fork-bomb the host. Refusals are logged once
 * per window with a count ({@link #refused}), never once per attempt. Thread-safe.
 */
final class AdmissionControl {
    private static final System.Logger LOG = System.getLogger(AdmissionControl.class.getName());
    private final int maxAgents;
    private final int perCredential;
    private final int perReadCredential;
    private final WindowedLog refusals = WindowedLog.of(LOG, System.Logger.Level.WARNING);
    private final TokenBuckets spawns;
    private final AtomicInteger agents = new AtomicInteger();
    /** Agents per credential; keys are configured credential names, so the map is as bounded as the configuration. */
    private final Map<String, AtomicInteger> byCredential = new ConcurrentHashMap<>();

    AdmissionControl(int maxAgents, int perCredential, int burst, double perSecond, LongSupplier nanoClock) {
        this(maxAgents, perCredential, perCredential, burst, perSecond, nanoClock);
    }

    /**
     * @param perCredential     agents one credential may hold at once
     * @param perReadCredential agents a credential below {@code chat} may hold (at most {@code perCredential})
     */
    AdmissionControl(int maxAgents, int perCredential, int perReadCredential, int burst, double perSecond, LongSupplier nanoClock) {
        this.maxAgents = maxAgents;
        this.perCredential = perCredential;
        this.perReadCredential = Math.min(perCredential, perReadCredential);
        this.spawns = new TokenBuckets(burst, perSecond, nanoClock);
    }

    /** What {@link #tryStart} decided. */
    enum Verdict { OK, TOO_MANY_AGENTS, CREDENTIAL_CAP, SPAWN_RATE }

    /** Reserves one agent slot for {@code credential} with the {@code chat} cap; see {@link #tryStart(String, Scope)}. */
    Verdict tryStart(String credential, String principal) {
        return tryStart(credential, Scope.CHAT);
    }

    /**
     * Reserves one agent slot for {@code credential}, whose scope is {@code scope} (below chat: the read cap); on
     * OK the caller must {@link #release} it later. The spawn rate is the credential's, whatever route it comes by.
     */
    Verdict tryStart(String credential, Scope scope) {
        if (spawns.take(credential) > 0) {
            return Verdict.SPAWN_RATE;
        }
        int cap = scope.covers(Scope.CHAT) ? perCredential : perReadCredential;
        AtomicInteger mine = byCredential.computeIfAbsent(credential, k -> new AtomicInteger());
        if (mine.incrementAndGet() > cap) {
            mine.decrementAndGet();
            spawns.giveBack(credential);
            return Verdict.CREDENTIAL_CAP;
        }
        if (agents.incrementAndGet() > maxAgents) {
            agents.decrementAndGet();
            mine.decrementAndGet();
            spawns.giveBack(credential);
            return Verdict.TOO_MANY_AGENTS;
        }
        return Verdict.OK;
    }

    /** Logs a refusal of {@link #tryStart}: once per minute per principal and reason, with a count of the others. */
    void refused(String principal, Verdict v) {
        refusals.log(principal + " " + v, "refused a new agent for " + principal + ": " + v);
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
