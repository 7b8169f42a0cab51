package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.Set;

/**
 * Where the front listens and what it accepts as {@code Host} and {@code Origin}.
 *
 * @param address        address to bind; loopback by default
 * @param allowedHosts   extra Host names accepted besides the bind address (e.g. a MagicDNS name), lower case
 * @param allowedOrigins cross-origin browser origins allowed (exact, or {@code null} / {@code file://});
 *                       same-origin requests are always allowed
 */
public record ListenSettings(InetSocketAddress address, Set<String> allowedHosts, Set<String> allowedOrigins) {
    public ListenSettings {
        requireNonNull(address, "address");
        allowedHosts = Set.copyOf(allowedHosts);
        allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /** Returns the listen rows of {@code v} ({@code listen}, {@code allowed_hosts}, {@code allowed_origins}). */
    public static ListenSettings from(RowValues v) {
        return new ListenSettings(v.get(Settings.LISTEN), Set.copyOf(v.list(Settings.ALLOWED_HOSTS)), Set.copyOf(v.list(Settings.ALLOWED_ORIGINS)));
    }

    /** Returns {@code address} with no extra hosts or origins. */
    public static ListenSettings of(InetSocketAddress address) {
        return new ListenSettings(address, Set.of(), Set.of());
    }
}
