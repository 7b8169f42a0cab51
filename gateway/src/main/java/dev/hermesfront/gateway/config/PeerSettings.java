package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * The coordinator's peers and how they are watched.
 *
 * @param peers         the peer map, in configuration order; empty = not a coordinator
 * @param probeInterval time between health probes of each peer ({@code /health}, then {@code /v1/models}); default 15 s
 * @param timeout       default per-peer fan-out time limit (default 5 min); each peer may set its own
 */
public record PeerSettings(List<PeerConfig> peers, Duration probeInterval, Duration timeout) {
    /** Default probe interval. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Settings.PEER_PROBE_INTERVAL.defaultValue();
    /** Default per-peer fan-out time limit. */
    public static final Duration DEFAULT_TIMEOUT = Settings.PEER_TIMEOUT.defaultValue();

    public PeerSettings {
        peers = List.copyOf(peers);
        requireNonNull(probeInterval, "probeInterval");
        requireNonNull(timeout, "timeout");
    }

    /** Returns settings without peers. */
    public static PeerSettings none() {
        return new PeerSettings(List.of(), DEFAULT_PROBE_INTERVAL, DEFAULT_TIMEOUT);
    }
}
