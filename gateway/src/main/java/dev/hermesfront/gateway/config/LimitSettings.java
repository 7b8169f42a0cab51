package dev.hermesfront.gateway.config;

/**
 * Bounds on what one request or connection may hold.
 *
 * @param maxBodyBytes      largest request body proxied (default 10,000,000 bytes, the API server's own cap)
 * @param maxMessageBytes   largest client message accepted on /api/ws (default 64 MiB; close 1009 above)
 * @param outboundHighWater bytes (UTF-8) queued towards a client before the agent's output is paced (default 4 Mi)
 * @param outboundLimit     bytes (UTF-8) queued towards a client before it is disconnected with 1013 (default 64 Mi)
 * @param maxConnections    open client connections at most; 0 (default) derives it: half the process's descriptor limit
 * @param connectionsPerAddress open client connections from one address at most (default 256)
 * @param handshakeTimeout  time a new connection has to make a request with a credential before it is closed
 *                          (default 10 s); zero: no limit
 */
public record LimitSettings(long maxBodyBytes, int maxMessageBytes, long outboundHighWater, long outboundLimit, int maxConnections,
                            int connectionsPerAddress, java.time.Duration handshakeTimeout) {
    public LimitSettings {
        java.util.Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        if (maxConnections < 0 || connectionsPerAddress < 1 || maxConnections > 0 && connectionsPerAddress > maxConnections) {
            throw new ConfigException("limits.connections_per_address", Integer.toString(connectionsPerAddress),
                    "at least 1 and at most limits.max_connections (" + maxConnections + ")");
        }
        if (maxMessageBytes < 1024) {
            throw new ConfigException("max_message_bytes", Integer.toString(maxMessageBytes), "an integer of at least 1024");
        }
        if (maxBodyBytes < 0) {
            throw new ConfigException("max_body_bytes", Long.toString(maxBodyBytes), "a number of bytes >= 0");
        }
        if (outboundHighWater < 1 || outboundLimit < outboundHighWater) {
            throw new ConfigException("limits.outbound_limit", Long.toString(outboundLimit), "at least limits.outbound_high_water ("
                    + outboundHighWater + ")");
        }
    }

    /** Returns the defaults: the settings table's. */
    public static LimitSettings defaults() {
        return from(Settings.DEFAULTS);
    }

    /** Returns the limits of {@code v}, read row by row. */
    public static LimitSettings from(Settings.Values v) {
        return new LimitSettings(v.get(Settings.MAX_BODY_BYTES), v.get(Settings.MAX_MESSAGE_BYTES).intValue(),
                v.get(Settings.OUTBOUND_HIGH_WATER), v.get(Settings.OUTBOUND_LIMIT), v.get(Settings.MAX_CONNECTIONS).intValue(),
                v.get(Settings.CONNECTIONS_PER_ADDRESS).intValue(), v.get(Settings.HANDSHAKE_TIMEOUT));
    }
}
