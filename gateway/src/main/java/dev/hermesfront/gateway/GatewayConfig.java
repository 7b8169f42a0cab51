package dev.hermesfront.gateway;

import static java.util.Objects.requireNonNull;

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
 */
public record GatewayConfig(InetSocketAddress listen, Secret token, int maxMessageBytes, long outboundHighWater,
                            long outboundLimit) {
    /** Default inbound message bound: 64 MiB, above uvicorn's 16 MiB so anything the dashboard takes passes. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;

    public GatewayConfig {
        requireNonNull(listen, "listen");
        requireNonNull(token, "token");
        if (maxMessageBytes < 1024) {
            throw new ConfigException("max-message-bytes", Integer.toString(maxMessageBytes), "an integer of at least 1024");
        }
    }

    /** Returns a config with default bounds. */
    public static GatewayConfig of(InetSocketAddress listen, Secret token) {
        return new GatewayConfig(listen, token, DEFAULT_MAX_MESSAGE_BYTES, 4L << 20, 64L << 20);
    }

    /** Returns a copy with another inbound message bound. */
    public GatewayConfig withMaxMessageBytes(int bytes) {
        return new GatewayConfig(listen, token, bytes, outboundHighWater, outboundLimit);
    }

    /** Returns a copy with other outbound bounds. */
    public GatewayConfig withOutbound(long highWater, long limit) {
        return new GatewayConfig(listen, token, maxMessageBytes, highWater, limit);
    }

    /** Returns true when the bind address is loopback. */
    public boolean loopback() {
        return ListenAddress.isLoopback(listen);
    }
}
