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

    /** Returns a credential that never changes. */
    static InnerCredential fixed(Secret secret) {
        Optional<String> value = Optional.of(secret.reveal());
        return () -> value;
    }
}
