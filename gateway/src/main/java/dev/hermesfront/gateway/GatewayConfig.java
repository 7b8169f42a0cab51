package dev.hermesfront.gateway;

import static java.util.Objects.requireNonNull;

import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.gateway.config.Secret;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Settings of one gateway instance.
 *
 * @param listen          address to bind; loopback by default
 * @param token           the credential clients must present ({@code ?token=} on /api/ws); required
 * @param maxMessageBytes largest client message accepted on /api/ws (default 64 MiB; close 1009 above)
 * @param outboundHighWater characters queued towards a client before the agent's output is paced (default 4 Mi)
 * @param outboundLimit   characters queued towards a client before it is disconnected with 1013 (default 64 Mi)
 * @param parking         how long and how much a detached agent is kept (default 2 min, 10,000 frames, 8 Mi chars)
 * @param maxAgents       agents running or parked at once; new connections past it are closed with 1013 (default 1024)
 * @param spawnBurst      new agents a principal may start in a burst (default 20)
 * @param spawnPerSecond  sustained new agents per second per principal (default 2)
 * @param readyTimeout    how long a new agent may take to send {@code gateway.ready} before the client is closed 1011 (default 60 s)
 * @param pingInterval    WebSocket ping interval towards non-loopback clients; zero disables (default 20 s)
 * @param pingLoopback    whether loopback clients are pinged too (default false, as the dashboard does)
 * @param clientStall     how long a client may leave its queue above the high-water mark before it is closed 1013 (default 30 s)
 */
public record GatewayConfig(InetSocketAddress listen, Secret token, int maxMessageBytes, long outboundHighWater,
                            long outboundLimit, ParkingPolicy parking, int maxAgents, int spawnBurst, double spawnPerSecond,
                            Duration readyTimeout, Duration pingInterval, boolean pingLoopback, Duration clientStall) {
    /** Default inbound message bound: 64 MiB, above uvicorn's 16 MiB so anything the dashboard takes passes. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;

    public GatewayConfig {
        requireNonNull(listen, "listen");
        requireNonNull(token, "token");
        requireNonNull(parking, "parking");
        requireNonNull(readyTimeout, "readyTimeout");
        requireNonNull(pingInterval, "pingInterval");
        requireNonNull(clientStall, "clientStall");
        if (maxAgents < 1) {
            throw new ConfigException("max-agents", Integer.toString(maxAgents), "an integer of at least 1");
        }
        if (spawnBurst < 1 || !(spawnPerSecond > 0)) {
            throw new ConfigException("spawn rate", spawnBurst + " burst, " + spawnPerSecond + "/s", "a burst >= 1 and a rate > 0");
        }
        if (maxMessageBytes < 1024) {
            throw new ConfigException("max-message-bytes", Integer.toString(maxMessageBytes), "an integer of at least 1024");
        }
    }

    /** Returns a config with default bounds. */
    public static GatewayConfig of(InetSocketAddress listen, Secret token) {
        return new GatewayConfig(listen, token, DEFAULT_MAX_MESSAGE_BYTES, 4L << 20, 64L << 20, ParkingPolicy.defaults(),
                1024, 20, 2.0, Duration.ofSeconds(60), Duration.ofSeconds(20), false,
                Duration.ofSeconds(30));
    }

    /** Returns a copy with another inbound message bound. */
    public GatewayConfig withMaxMessageBytes(int bytes) {
        return new GatewayConfig(listen, token, bytes, outboundHighWater, outboundLimit, parking, maxAgents, spawnBurst, spawnPerSecond, readyTimeout, pingInterval, pingLoopback, clientStall);
    }

    /** Returns a copy with other outbound bounds. */
    public GatewayConfig withOutbound(long highWater, long limit) {
        return new GatewayConfig(listen, token, maxMessageBytes, highWater, limit, parking, maxAgents, spawnBurst, spawnPerSecond, readyTimeout, pingInterval, pingLoopback, clientStall);
    }

    /** Returns a copy with other outbound bounds and client stall timeout. */
    public GatewayConfig withOutbound(long highWater, long limit, Duration stall) {
        return new GatewayConfig(listen, token, maxMessageBytes, highWater, limit, parking, maxAgents, spawnBurst, spawnPerSecond,
                readyTimeout, pingInterval, pingLoopback, stall);
    }

    /** Returns a copy with another parking policy. */
    public GatewayConfig withParking(ParkingPolicy p) {
        return new GatewayConfig(listen, token, maxMessageBytes, outboundHighWater, outboundLimit, p, maxAgents, spawnBurst, spawnPerSecond, readyTimeout, pingInterval, pingLoopback, clientStall);
    }

    /** Returns a copy with other agent limits. */
    public GatewayConfig withAgentLimits(int max, int burst, double perSecond) {
        return new GatewayConfig(listen, token, maxMessageBytes, outboundHighWater, outboundLimit, parking, max, burst, perSecond, readyTimeout, pingInterval, pingLoopback, clientStall);
    }

    /** Returns a copy with other liveness settings. */
    public GatewayConfig withLiveness(Duration ready, Duration ping, boolean loopbackToo) {
        return new GatewayConfig(listen, token, maxMessageBytes, outboundHighWater, outboundLimit, parking, maxAgents, spawnBurst,
                spawnPerSecond, ready, ping, loopbackToo, clientStall);
    }

    /** Returns true when the bind address is loopback. */
    public boolean loopback() {
        return ListenAddress.isLoopback(listen);
    }
}
