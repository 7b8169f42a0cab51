package dev.hermesfront.gateway.config;

/**
 * Bounds on what one request or connection may hold.
 *
 * @param maxBodyBytes      largest request body proxied (default 10,000,000 bytes, the API server's own cap)
 * @param maxMessageBytes   largest client message accepted on /api/ws (default 64 MiB; close 1009 above)
 * @param outboundHighWater characters queued towards a client before the agent's output is paced (default 4 Mi)
 * @param outboundLimit     characters queued towards a client before it is disconnected with 1013 (default 64 Mi)
 */
public record LimitSettings(long maxBodyBytes, int maxMessageBytes, long outboundHighWater, long outboundLimit) {
    /** Default inbound message bound: 64 MiB, above uvicorn's 16 MiB so anything the dashboard takes passes (the table's). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = Settings.MAX_MESSAGE_BYTES.defaultValue().intValue();
    /** Default request body cap: the API server's {@code MAX_REQUEST_BYTES} (the table's). */
    public static final long DEFAULT_MAX_BODY_BYTES = Settings.MAX_BODY_BYTES.defaultValue();

    public LimitSettings {
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
                v.get(Settings.OUTBOUND_HIGH_WATER), v.get(Settings.OUTBOUND_LIMIT));
    }
}
