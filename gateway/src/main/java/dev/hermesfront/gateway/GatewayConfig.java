package dev.hermesfront.gateway;

import static java.util.Objects.requireNonNull;

import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Settings of one gateway instance (one listener).
 *
 * @param listen            address to bind; loopback by default
 * @param credentials       what clients may present: tokens ({@code ?token=} on WebSockets, Bearer,
 *                          X-Hermes-Session-Token) and Basic users; never empty
 * @param maxMessageBytes   largest client message accepted on /api/ws (default 64 MiB; close 1009 above)
 * @param outboundHighWater characters queued towards a client before the agent's output is paced (default 4 Mi)
 * @param outboundLimit     characters queued towards a client before it is disconnected with 1013 (default 64 Mi)
 * @param allowedHosts      extra Host names accepted besides the bind address (e.g. a MagicDNS name), lower case
 * @param allowedOrigins    cross-origin browser origins allowed (exact, or {@code null} / {@code file://});
 *                          same-origin requests are always allowed
 * @param maxBodyBytes      largest request body proxied (default 10,000,000 bytes, the API server's own cap)
 * @param api               the API server to proxy /v1, /health, /api/jobs, /api/sessions to; empty = off
 * @param dashboard         the dashboard to proxy every other path to; empty = off
 * @param tui               parking, agent limits and liveness of the /api/ws channel
 * @param security          audit log, lockout and rate limits
 * @param peers             the coordinator's peer map, probes and fan-out limits; no peers by default
 */
public record GatewayConfig(InetSocketAddress listen, Credentials credentials, int maxMessageBytes, long outboundHighWater,
                            long outboundLimit, Set<String> allowedHosts, Set<String> allowedOrigins, long maxBodyBytes,
                            Optional<UpstreamConfig> api, Optional<UpstreamConfig> dashboard, TuiSettings tui,
                            SecuritySettings security, PeerSettings peers) {
    /** Default inbound message bound: 64 MiB, above uvicorn's 16 MiB so anything the dashboard takes passes. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;
    /** Default request body cap: the API server's {@code MAX_REQUEST_BYTES}. */
    public static final long DEFAULT_MAX_BODY_BYTES = 10_000_000L;

    public GatewayConfig {
        requireNonNull(listen, "listen");
        requireNonNull(credentials, "credentials");
        if (credentials.isEmpty()) {
            throw new ConfigException("no credential configured: pass --token T or --basic-user NAME:PASSWORD");
        }
        if (maxMessageBytes < 1024) {
            throw new ConfigException("max-message-bytes", Integer.toString(maxMessageBytes), "an integer of at least 1024");
        }
        if (maxBodyBytes < 0) {
            throw new ConfigException("max-body-bytes", Long.toString(maxBodyBytes), "a number of bytes >= 0");
        }
        allowedHosts = Set.copyOf(allowedHosts);
        allowedOrigins = Set.copyOf(allowedOrigins);
        requireNonNull(api, "api");
        requireNonNull(dashboard, "dashboard");
        requireNonNull(tui, "tui");
        requireNonNull(security, "security");
        requireNonNull(peers, "peers");
    }

    /** Returns a config with one token credential, default bounds and no upstreams. */
    public static GatewayConfig of(InetSocketAddress listen, Secret token) {
        return of(listen, Credentials.singleToken(token));
    }

    /** Returns a config with these credentials, default bounds and no upstreams. */
    public static GatewayConfig of(InetSocketAddress listen, Credentials credentials) {
        return new GatewayConfig(listen, credentials, DEFAULT_MAX_MESSAGE_BYTES, 4L << 20, 64L << 20, Set.of(), Set.of(),
                DEFAULT_MAX_BODY_BYTES, Optional.empty(), Optional.empty(), TuiSettings.defaults(), SecuritySettings.defaults(),
                PeerSettings.none());
    }

    /** Returns a copy with another inbound message bound. */
    public GatewayConfig withMaxMessageBytes(int bytes) {
        return new GatewayConfig(listen, credentials, bytes, outboundHighWater, outboundLimit, allowedHosts, allowedOrigins,
                maxBodyBytes, api, dashboard, tui, security, peers);
    }

    /** Returns a copy with other outbound bounds. */
    public GatewayConfig withOutbound(long highWater, long limit) {
        return new GatewayConfig(listen, credentials, maxMessageBytes, highWater, limit, allowedHosts, allowedOrigins,
                maxBodyBytes, api, dashboard, tui, security, peers);
    }

    /** Returns a copy with other Host and Origin allowlists. */
    public GatewayConfig withAllowed(Set<String> hosts, Set<String> origins) {
        return new GatewayConfig(listen, credentials, maxMessageBytes, outboundHighWater, outboundLimit, hosts, origins,
                maxBodyBytes, api, dashboard, tui, security, peers);
    }

    /** Returns a copy with another request body cap. */
    public GatewayConfig withMaxBodyBytes(long bytes) {
        return new GatewayConfig(listen, credentials, maxMessageBytes, outboundHighWater, outboundLimit, allowedHosts,
                allowedOrigins, bytes, api, dashboard, tui, security, peers);
    }

    /** Returns a copy proxying to these upstreams (null = off). */
    public GatewayConfig withUpstreams(UpstreamConfig api, UpstreamConfig dashboard) {
        return new GatewayConfig(listen, credentials, maxMessageBytes, outboundHighWater, outboundLimit, allowedHosts,
                allowedOrigins, maxBodyBytes, Optional.ofNullable(api), Optional.ofNullable(dashboard), tui, security, peers);
    }

    /** Returns a copy with other /api/ws settings. */
    public GatewayConfig withTui(TuiSettings t) {
        return new GatewayConfig(listen, credentials, maxMessageBytes, outboundHighWater, outboundLimit, allowedHosts,
                allowedOrigins, maxBodyBytes, api, dashboard, t, security, peers);
    }

    /** Returns a copy with other audit and abuse-limit settings. */
    public GatewayConfig withSecurity(SecuritySettings s) {
        return new GatewayConfig(listen, credentials, maxMessageBytes, outboundHighWater, outboundLimit, allowedHosts,
                allowedOrigins, maxBodyBytes, api, dashboard, tui, s, peers);
    }

    /** Returns a copy with other outbound bounds and client stall timeout. */
    public GatewayConfig withOutbound(long highWater, long limit, Duration stall) {
        TuiSettings t = tui;
        return withOutbound(highWater, limit).withTui(new TuiSettings(t.parking(), t.maxAgents(), t.spawnBurst(), t.spawnPerSecond(),
                t.readyTimeout(), t.pingInterval(), t.pingLoopback(), stall));
    }

    /** Returns a copy with another parking policy. */
    public GatewayConfig withParking(ParkingPolicy p) {
        TuiSettings t = tui;
        return withTui(new TuiSettings(p, t.maxAgents(), t.spawnBurst(), t.spawnPerSecond(), t.readyTimeout(), t.pingInterval(),
                t.pingLoopback(), t.clientStall()));
    }

    /** Returns a copy with other agent limits. */
    public GatewayConfig withAgentLimits(int max, int burst, double perSecond) {
        TuiSettings t = tui;
        return withTui(new TuiSettings(t.parking(), max, burst, perSecond, t.readyTimeout(), t.pingInterval(), t.pingLoopback(),
                t.clientStall()));
    }

    /** Returns a copy with other liveness settings. */
    public GatewayConfig withLiveness(Duration ready, Duration ping, boolean loopbackToo) {
        TuiSettings t = tui;
        return withTui(new TuiSettings(t.parking(), t.maxAgents(), t.spawnBurst(), t.spawnPerSecond(), ready, ping, loopbackToo,
                t.clientStall()));
    }

    /** Returns a copy with another peer map. */
    public GatewayConfig withPeers(PeerSettings p) {
        return new GatewayConfig(listen, credentials, maxMessageBytes, outboundHighWater, outboundLimit, allowedHosts,
                allowedOrigins, maxBodyBytes, api, dashboard, tui, security, p);
    }

    /** Returns true when the bind address is loopback. */
    public boolean loopback() {
        return ListenAddress.isLoopback(listen);
    }
}
