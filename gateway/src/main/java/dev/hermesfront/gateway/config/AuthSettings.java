package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

/**
 * Who may use the front.
 *
 * @param credentials what clients may present: tokens ({@code ?token=} on WebSockets, Bearer,
 *                    X-Hermes-Session-Token) and Basic users; never empty
 */
public record AuthSettings(Credentials credentials) {
    public AuthSettings {
        requireNonNull(credentials, "credentials");
        if (credentials.isEmpty()) {
            throw new ConfigException("no credential configured: pass --token T or --basic-user NAME:PASSWORD");
        }
    }
}
