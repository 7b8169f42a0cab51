package dev.hermesfront.gateway;

import static java.util.Objects.requireNonNull;

import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.gateway.config.Secret;
import java.net.InetSocketAddress;

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
 */
public record GatewayConfig(InetSocketAddress listen, Secret token, int maxMessageBytes, long outboundHighWater,
                            long outboundLimit, ParkingPolicy parking, int maxAgents, int spawnBurst, double spawnPerSecond) {
    /** Default inbound message bound: 64 MiB, above uvicorn's 16 MiB so anything the dashboard takes passes. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;

    public GatewayConfig {
        requireNonNull(listen, "listen");
        requireNonNull(token, "token");
        requireNonNull(parking, "parking");
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
                1024, 20, 2.0);
    }

    /** Returns a copy with another inbound message bound. */
    public GatewayConfig withMaxMessageBytes(int bytes) {
        return new GatewayConfig(listen, token, bytes, outboundHighWater, outboundLimit, parking, maxAgents, spawnBurst, spawnPerSecond);
    }

    /** Returns a copy with other outbound bounds. */
    public GatewayConfig withOutbound(long highWater, long limit) {
        return new GatewayConfig(listen, token, maxMessageBytes, highWater, limit, parking, maxAgents, spawnBurst, spawnPerSecond);
    }

    /** Returns a copy with another parking policy. */
    public GatewayConfig withParking(ParkingPolicy p) {
        return new GatewayConfig(listen, token, maxMessageBytes, outboundHighWater, outboundLimit, p, maxAgents, spawnBurst, spawnPerSecond);
    }

    /** Returns a copy with other agent limits. */
    public GatewayConfig withAgentLimits(int max, int burst, double perSecond) {
        return new GatewayConfig(listen, token, maxMessageBytes, outboundHighWater, outboundLimit, parking, max, burst, perSecond);
    }

    /** Returns true when the bind address is loopback. */
    public boolean loopback() {
        return ListenAddress.isLoopback(listen);
    }
}
