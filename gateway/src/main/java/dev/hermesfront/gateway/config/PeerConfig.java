package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * One peer of a coordinator: another hermes-front, its base URL and the credential sent to it on the
 * outbound hop only. The credential is never forwarded anywhere else, and {@code toString()} redacts it.
 *
 * @param name       routing name, {@code [a-z0-9][a-z0-9-]*} (the {@code NAME} of {@code /peers/NAME/...})
 * @param url        base URL {@code http://HOST:PORT}, e.g. a Tailscale IP or MagicDNS name
 * @param credential what the coordinator presents to the peer
 * @param timeout    longest time one fan-out call to this peer may take, headers and body (default: peer_timeout)
 */
public record PeerConfig(String name, URI url, PeerCredential credential, Duration timeout) {
    /** Allowed peer names. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    public PeerConfig {
        requireNonNull(name, "name");
        requireNonNull(url, "url");
        requireNonNull(credential, "credential");
        requireNonNull(timeout, "timeout");
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException("peers.name", name, "a name matching [a-z0-9][a-z0-9-]*");
        }
    }

    /**
     * Returns the peer's {@code /api/ws} URL, without a credential, asking for a new agent ({@code resume=new}):
     * every client of the coordinator reaches the peer with the one credential the coordinator holds for it, so a
     * plain dial would take back whichever agent of that credential the peer parked last, another client's
     * included. Parking is the coordinator's: it keeps each client's relay link, and with it the peer agent.
     */
    public URI wsUrl() {
        return URI.create("ws://" + url.getHost() + ":" + url.getPort() + "/api/ws?resume=new");
    }

    /** The credential a coordinator presents to one peer. */
    public sealed interface PeerCredential {
        /** Returns the {@code Authorization} header value for requests to the peer, its /api/ws upgrade included. */
        String authorization();
    }

    /** A token, sent as {@code Authorization: Bearer}. */
    public record Token(Secret token) implements PeerCredential {
        public Token {
            requireNonNull(token, "token");
        }

        @Override
        public String authorization() {
            return "Bearer " + token.reveal();
        }
    }

    /** A Basic user, sent as {@code Authorization: Basic}. */
    public record Basic(String user, Secret password) implements PeerCredential {
        public Basic {
            requireNonNull(user, "user");
            requireNonNull(password, "password");
        }

        @Override
        public String authorization() {
            return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password.reveal()).getBytes(StandardCharsets.UTF_8));
        }
    }
}
