package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

/**
 * Who may use the front.
 *
 * @param credentials what clients may present: tokens ({@code ?token=} on WebSockets, Bearer,
 *                    X-Hermes-Session-Token), Basic users and identities from a trusted proxy; never empty
 * @param proxy       which proxy's identity header is believed; {@link ProxyIdentity#OFF} by default
 */
public record AuthSettings(Credentials credentials, ProxyIdentity proxy) {
    public AuthSettings {
        requireNonNull(credentials, "credentials");
        requireNonNull(proxy, "proxy");
        if (credentials.isEmpty()) {
            throw new ConfigException("no credential configured: pass --token T or --basic-user NAME:PASSWORD");
        }
    }

    /** Returns these credentials with no trusted proxy. */
    public AuthSettings(Credentials credentials) {
        this(credentials, ProxyIdentity.OFF);
    }
}
