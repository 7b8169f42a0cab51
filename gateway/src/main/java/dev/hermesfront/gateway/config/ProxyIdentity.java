package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Identity asserted by a trusted proxy (Tailscale Serve's {@code Tailscale-User-Login}): a request from an
 * address inside {@code trustedProxies} that carries {@code header} presents the credential whose
 * {@code identity:} equals the header's value. From any other address the header is ignored and removed.
 *
 * @param header         the header's name; empty = the feature is off
 * @param trustedProxies the address ranges whose header is believed
 */
public record ProxyIdentity(Optional<String> header, List<Cidr> trustedProxies) {
    /** Off: no header is believed. */
    public static final ProxyIdentity OFF = new ProxyIdentity(Optional.empty(), List.of());

    public ProxyIdentity {
        requireNonNull(header, "header");
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** Returns true when the header is configured. */
    public boolean enabled() {
        return header.isPresent();
    }

    /** Returns true when {@code address} is a trusted proxy's. */
    public boolean trusts(InetAddress address) {
        for (Cidr c : trustedProxies) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
