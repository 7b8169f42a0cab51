package dev.hermesfront.gateway.tls;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Whether the listener may speak plaintext on its address. Loopback: only this machine can connect. TLS:
 * everything is encrypted. A Tailscale address (100.64.0.0/10, fd7a:115c:a1e0::/48): WireGuard already
 * encrypts every packet between the tailnet's machines. Anything else in plaintext (the wildcard, a LAN or
 * public address) carries tokens and transcripts readable on the network, so the front refuses to start
 * unless the operator said {@code insecure_plaintext: true}.
 */
public enum ListenSecurity {
    /** Loopback, plaintext: only this machine. */
    LOOPBACK("loopback: only this machine can connect"),
    /** TLS on the listener. */
    TLS("TLS: https and wss"),
    /** Plaintext on a Tailscale address: WireGuard encrypts it. */
    TAILSCALE("a Tailscale address: plaintext on the port, but WireGuard encrypts every packet between the tailnet's machines"),
    /** Plaintext elsewhere, because the operator said so. */
    INSECURE("plaintext on a non-loopback, non-Tailscale address, allowed by insecure_plaintext: tokens and transcripts are "
            + "readable on the network"),
    /** Plaintext elsewhere without the override: refused. */
    REFUSED("plaintext on a non-loopback, non-Tailscale address: refused");

    private final String description;

    ListenSecurity(String description) {
        this.description = description;
    }

    /** Returns what the case means, for logs and {@code doctor}. */
    public String description() {
        return description;
    }

    /** Classifies a bind of {@code address}. */
    public static ListenSecurity of(InetSocketAddress address, boolean tls, boolean insecurePlaintext) {
        InetAddress a = address.getAddress();
        if (tls) {
            return TLS;
        }
        if (a != null && a.isLoopbackAddress()) {
            return LOOPBACK;
        }
        if (a != null && isTailscale(a)) {
            return TAILSCALE;
        }
        return insecurePlaintext ? INSECURE : REFUSED;
    }

    /** Returns true for Tailscale's CGNAT range 100.64.0.0/10 and its ULA prefix fd7a:115c:a1e0::/48. */
    public static boolean isTailscale(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
        }
        return b.length == 16 && (b[0] & 0xff) == 0xfd && (b[1] & 0xff) == 0x7a && (b[2] & 0xff) == 0x11 && (b[3] & 0xff) == 0x5c
                && (b[4] & 0xff) == 0xa1 && (b[5] & 0xff) == 0xe0;
    }

    /** The message of a refused start: what is wrong and the three ways out. */
    public static String refusal(String where) {
        return "refusing to listen on " + where + " in plaintext: tokens, pairing codes and transcripts would cross the network "
                + "readable by anyone on it. Either serve TLS (--tls-cert FILE --tls-key FILE, e.g. from tailscale cert or Let's "
                + "Encrypt), listen on a Tailscale address (tailscale ip -4) or 127.0.0.1 behind Tailscale Serve, or, if the network "
                + "is encrypted another way, say so with --insecure-plaintext (insecure_plaintext: true).";
    }
}
