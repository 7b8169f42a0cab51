package dev.hermesfront.gateway.policy;

import static java.util.Objects.requireNonNull;

import dev.hermesfront.gateway.config.Scope;
import java.util.Optional;

/**
 * Who made a request, as the one authentication step decided: the name of the credential (never its
 * secret), its scope when it authenticated, how it was presented ({@code bearer}, {@code basic},
 * {@code session-token}, {@code query}, {@code ticket}, {@code share}), for a share token the one agent it opens,
 * and the {@link Grant} it holds. Carried on the exchange and into the {@code /api/ws} session as its user principal.
 *
 * <p>{@code scope} is a snapshot taken at authentication (for messages, roles and audit). What the identity may do
 * on a later use is never read from it: the {@link Gate} derives it from {@code grant} on every call
 * ({@link Gate#effective}), so a reload that removes or narrows the source, or a revoked link, takes effect on the
 * next frame.
 *
 * @param name  the credential's configured name (a share: {@code share:ID})
 * @param scope what it could do when it authenticated
 * @param via   how it was presented
 * @param agent for a share token, the agent it is bound to; empty otherwise
 * @param grant the authority it holds: its kind, source and cap
 */
public record Identity(String name, Scope scope, String via, Optional<String> agent, Grant grant) implements java.security.Principal {
    public Identity {
        requireNonNull(name, "name");
        requireNonNull(scope, "scope");
        requireNonNull(via, "via");
        requireNonNull(agent, "agent");
        requireNonNull(grant, "grant");
    }

    /** Returns an identity holding {@code grant}, with no agent binding beyond the grant's own. */
    public static Identity of(String name, Scope scope, String via, Grant grant) {
        return new Identity(name, scope, via, grant.agent(), grant);
    }

    /**
     * Returns an identity whose grant no lookup resolves (its effective scope is empty: every call is denied). For
     * tests of code that only carries identities around; the gate never makes one.
     */
    public static Identity of(String name, Scope scope, String via) {
        return of(name, scope, via, Grant.credential("unbound:" + name, scope));
    }

    /** Returns this identity as presented {@code via} another carrier. */
    public Identity via(String how) {
        return new Identity(name, scope, how, agent, grant);
    }

    @Override
    public String getName() {
        return name;
    }
}
