package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.config.Secret;
import java.util.Optional;

/**
 * The credential injected on the loopback hop ({@code API_SERVER_KEY}, the dashboard session token).
 * Implementations are thread-safe and never block.
 */
public interface InnerCredential {
    /** Returns the value to inject now, if known. */
    Optional<String> current();

    /** Tells the source the upstream refused the value (401), so it may look for a new one. */
    default void rejected() {}

    /**
     * Returns a stage that completes once a value is known or the source has tried to learn one (bounded), so a
     * request need not go out without it; complete at once for a fixed value. Never fails.
     */
    default java.util.concurrent.CompletionStage<Void> known() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** Returns a credential that never changes. */
    static InnerCredential fixed(Secret secret) {
        Optional<String> value = Optional.of(secret.reveal());
        return () -> value;
    }
}
