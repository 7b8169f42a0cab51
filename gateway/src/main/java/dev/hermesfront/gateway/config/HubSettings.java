package dev.hermesfront.gateway.config;

import dev.hermesfront.bridge.MemoryBudget;
import java.time.Duration;

/**
 * Settings of shared agents, share links and the memory budget. The memory budget and the per-credential cap are
 * rows of the settings table ({@code tui.memory_budget}, {@code tui.agents_per_credential}), applied over these by
 * {@code GatewayServer}; the share link bounds are fixed here ({@link #defaults}).
 *
 * @param memoryBudgetBytes    heap that frames waiting for clients may hold in total, across every outbound queue
 *                             and parking buffer (default a quarter of {@code -Xmx}); past it the oldest parked agent
 *                             is given up, then clients over their share are closed 1013
 * @param agentsPerCredential  agents one credential may have running or parked at once; 0 derives it: three quarters
 *                             of {@code max-agents}, so that one token never holds every slot
 * @param shareMaxTtl          the longest a share link may live (default 7 days); a longer {@code ttl} is refused
 * @param shareDefaultTtl      a share link's life when the request names none (default 1 hour)
 * @param maxShares            share links alive at once across the gateway (default 1,000); minting past it is refused
 * @param sharesPerCredential  live links one credential may have minted (default 100; {@code tui.shares_per_credential})
 * @param sharesPerAgent       live links to one agent (default 20; {@code tui.shares_per_agent})
 */
public record HubSettings(long memoryBudgetBytes, int agentsPerCredential, Duration shareMaxTtl, Duration shareDefaultTtl, int maxShares,
                          int sharesPerCredential, int sharesPerAgent) {
    public HubSettings {
        if (memoryBudgetBytes <= 0 || agentsPerCredential < 0 || maxShares < 1 || shareMaxTtl.isNegative() || shareDefaultTtl.isNegative()
                || shareDefaultTtl.compareTo(shareMaxTtl) > 0 || sharesPerCredential < 1 || sharesPerAgent < 1) {
            throw new IllegalArgumentException("invalid sharing settings");
        }
    }

    /** Settings with the default per-credential and per-agent link caps. */
    public HubSettings(long memoryBudgetBytes, int agentsPerCredential, Duration shareMaxTtl, Duration shareDefaultTtl, int maxShares) {
        this(memoryBudgetBytes, agentsPerCredential, shareMaxTtl, shareDefaultTtl, maxShares, 100, 20);
    }

    /** Returns the defaults. */
    public static HubSettings defaults() {
        return new HubSettings(MemoryBudget.defaultBytes(), 0, Duration.ofDays(7), Duration.ofHours(1), 1000);
    }

    /** Returns a copy with other per-credential and per-agent share link caps. */
    public HubSettings withShareCaps(int perCredential, int perAgent) {
        return new HubSettings(memoryBudgetBytes, agentsPerCredential, shareMaxTtl, shareDefaultTtl, maxShares, perCredential, perAgent);
    }

    /** Returns a copy with another memory budget (tests and tools). */
    public HubSettings withMemoryBudget(long bytes) {
        return new HubSettings(bytes, agentsPerCredential, shareMaxTtl, shareDefaultTtl, maxShares, sharesPerCredential, sharesPerAgent);
    }

    /** Returns a copy with another per-credential agent cap (tests and tools). */
    public HubSettings withAgentsPerCredential(int n) {
        return new HubSettings(memoryBudgetBytes, n, shareMaxTtl, shareDefaultTtl, maxShares, sharesPerCredential, sharesPerAgent);
    }

    /** Returns the per-credential cap in effect for a gateway of {@code maxAgents} agents. */
    public int agentsPerCredential(int maxAgents) {
        return agentsPerCredential > 0 ? agentsPerCredential : Math.max(1, maxAgents * 3 / 4);
    }
}
