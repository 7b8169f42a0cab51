package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;


/**
 * One credential a client may present at the front. Every credential has a {@code name} (shown in
 * logs instead of the secret) and a {@code scope}, which {@link dev.hermesfront.gateway.policy.Gate} checks on every
 * route and every {@code /api/ws} method. Records redact their secrets in {@code toString()} through {@link Secret}.
 */
public sealed interface Credential {
    /** Scope given to credentials that do not name one. */
    Scope DEFAULT_SCOPE = Scope.ADMIN;

    /** Returns the credential's name, e.g. {@code laptop}; never secret. */
    String name();

    /** Returns the scope, e.g. {@link Scope#READ}, {@link Scope#CHAT} or {@link Scope#ADMIN}. */
    Scope scope();

    /** Parses a configured scope name ({@code read}, {@code chat}, …); throws {@link ConfigException} for anything else. */
    static Scope scopeNamed(String scope) {
        return Scope.parse(scope).orElseThrow(() -> new ConfigException("scope", String.valueOf(scope), "metrics, read, chat or admin"));
    }

    /**
     * A bearer token: accepted as {@code ?token=} on WebSocket upgrades, {@code Authorization: Bearer}
     * and {@code X-Hermes-Session-Token}.
     */
    record Token(String name, Secret token, Scope scope) implements Credential {
        public Token {
            requireNonNull(name, "name");
            requireNonNull(token, "token");
            requireNonNull(scope, "scope");
        }

        /** A token credential whose scope is named as in configuration ({@code "chat"}). */
        public Token(String name, Secret token, String scope) {
            this(name, token, scopeNamed(scope));
        }
    }

    /**
     * A user named by a trusted proxy's identity header (e.g. Tailscale Serve's {@code Tailscale-User-Login}),
     * compared without regard to ASCII case. Not a secret: it is believed only from {@code trusted_proxies}. A
     * credentials entry with both a token (or Basic user) and an {@code identity} yields two credentials of the
     * same name and scope.
     */
    record Login(String name, String login, Scope scope) implements Credential {
        /** A login credential whose scope is named as in configuration ({@code "chat"}). */
        public Login(String name, String login, String scope) {
            this(name, login, scopeNamed(scope));
        }

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
    record Basic(String name, String user, Secret password, Scope scope) implements Credential {
        /** A Basic credential whose scope is named as in configuration ({@code "admin"}). */
        public Basic(String name, String user, Secret password, String scope) {
            this(name, user, password, scopeNamed(scope));
        }

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
