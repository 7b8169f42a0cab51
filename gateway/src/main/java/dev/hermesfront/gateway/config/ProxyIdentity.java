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

    /**
     * The trusted proxy's identity header: {@code identity_header} needs {@code trusted_proxies} (a header
     * believed from nowhere is a mistake worth stopping for); either without credentials that have an
     * {@code identity} does nothing, which is added to {@code notes}.
     */
    static ProxyIdentity resolve(String header, List<Cidr> trusted, Credentials credentials, List<String> notes) {
        if (header.equalsIgnoreCase(ConfigLoader.OFF)) {
            if (!trusted.isEmpty()) {
                notes.add("trusted_proxies is set but identity_header is off: no identity header is believed");
            }
            if (credentials.hasLogins()) {
                notes.add("some credentials have an identity but identity_header is off: those identities cannot sign in");
            }
            return OFF;
        }
        if (trusted.isEmpty()) {
            throw new ConfigException("trusted_proxies: identity_header is " + header + " but no trusted_proxies is set: name the "
                    + "proxy's address range, e.g. --trusted-proxy 127.0.0.1/32 for Tailscale Serve on this machine");
        }
        if (!credentials.hasLogins()) {
            notes.add("identity_header is " + header + " but no credential has an identity: add identity: USER to a credentials entry");
        }
        for (Cidr c : trusted) {
            if (c.prefix() == 0) {
                notes.add("trusted_proxies " + c + " trusts every address: anyone who reaches the port can claim any identity");
            }
        }
        return new ProxyIdentity(Optional.of(header), trusted);
    }
}
