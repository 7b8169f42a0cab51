package dev.hermesfront.gateway.policy;

import dev.hermesfront.gateway.config.Scope;
import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * Who made a request, as the one authentication step decided: the name of the credential (never its
 * secret), its scope, how it was presented ({@code bearer}, {@code basic}, {@code session-token},
 * {@code query}, {@code ticket}, {@code share}), and for a share token the one agent it opens. Carried on
 * the exchange and into the {@code /api/ws} session as its user principal.
 *
 * @param name  the credential's configured name (a share: {@code share:ID})
 * @param scope what it may do
 * @param via   how it was presented
 * @param agent for a share token, the agent it is bound to; empty otherwise
 */
public record Identity(String name, Scope scope, String via, Optional<String> agent) implements java.security.Principal {
    public Identity {
        requireNonNull(name, "name");
        requireNonNull(scope, "scope");
        requireNonNull(via, "via");
        requireNonNull(agent, "agent");
    }

    /** Returns an identity for a configured credential. */
    public static Identity of(String name, Scope scope, String via) {
        return new Identity(name, scope, via, Optional.empty());
    }

    @Override
    public String getName() {
        return name;
    }
}
