package dev.hermesfront.gateway.config;

import java.util.Locale;
import java.util.Optional;

/**
 * What a credential may do, from least to most: scrape metrics, observe, chat, everything. {@code metrics}
 * opens {@code GET /metrics} and nothing else (every other route and method needs at least {@code read}).
 */
public enum Scope {
    /** {@code GET /metrics} only: for a Prometheus scraper. */
    METRICS,
    /** Observe: configuration and session reads; no prompts, no writes. */
    READ,
    /** Sessions, prompts, and answers to the agent's questions. */
    CHAT,
    /** Everything, including shell.exec, cli.exec and configuration writes. */
    ADMIN;

    /** Returns true when this scope is allowed what {@code needed} allows. */
    public boolean covers(Scope needed) {
        return compareTo(needed) >= 0;
    }

    /** Parses {@code metrics}, {@code read}, {@code chat} or {@code admin}. */
    public static Optional<Scope> parse(String s) {
        for (Scope x : values()) {
            if (x.name().equalsIgnoreCase(s == null ? "" : s.strip())) {
                return Optional.of(x);
            }
        }
        return Optional.empty();
    }

    /** Returns the lower-case name used in configuration and messages. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
