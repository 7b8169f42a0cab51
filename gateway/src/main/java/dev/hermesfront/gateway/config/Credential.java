package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

/**
 * One credential a client may present at the front. Every credential has a {@code name} (shown in
 * logs instead of the secret) and a {@code scope}, which {@link dev.hermesfront.gateway.policy.Gate} checks on every
 * route and every {@code /api/ws} method. Records redact their secrets in {@code toString()} through {@link Secret}.
 */
public sealed interface Credential {
    /** Scope given to credentials that do not name one. */
    String DEFAULT_SCOPE = "admin";

    /** Returns the credential's name, e.g. {@code laptop}; never secret. */
    String name();

    /** Returns the scope, e.g. {@code read}, {@code chat} or {@code admin}. */
    String scope();

    /**
     * A bearer token: accepted as {@code ?token=} on WebSocket upgrades, {@code Authorization: Bearer}
     * and {@code X-Hermes-Session-Token}.
     */
    record Token(String name, Secret token, String scope) implements Credential {
        public Token {
            requireNonNull(name, "name");
            requireNonNull(token, "token");
            requireNonNull(scope, "scope");
        }
    }

    /**
     * A user named by a trusted proxy's identity header (e.g. Tailscale Serve's {@code Tailscale-User-Login}),
     * compared without regard to ASCII case. Not a secret: it is believed only from {@code trusted_proxies}. A
     * credentials entry with both a token (or Basic user) and an {@code identity} yields two credentials of the
     * same name and scope.
     */
    record Login(String name, String login, String scope) implements Credential {
        public Login {
            requireNonNull(name, "name");
            requireNonNull(login, "login");
            requireNonNull(scope, "scope");
            if (login.isBlank()) {
                throw new ConfigException("identity", login, "a non-empty user name, e.g. alice@example.com");
            }
        }
    }

    /** An HTTP Basic user (the coordinator pattern): {@code Authorization: Basic base64(user:password)}. */
    record Basic(String name, String user, Secret password, String scope) implements Credential {
        public Basic {
            requireNonNull(name, "name");
            requireNonNull(user, "user");
            requireNonNull(password, "password");
            requireNonNull(scope, "scope");
            if (user.isEmpty() || user.indexOf(':') >= 0) {
                throw new ConfigException("basic user", user, "a user name without ':'");
            }
        }
    }
}
