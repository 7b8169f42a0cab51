package dev.hermesfront.gateway;

import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.PoolSettings;
import dev.hermesfront.gateway.config.Setting;
import dev.hermesfront.gateway.config.Settings;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Test-only edits of a {@link GatewayConfig}, by row of the settings table: {@code edit(c).set(Settings.MAX_AGENTS, 4L)}.
 * The parts built from the rows follow ({@link GatewayConfig#with}); the few parts that are more than rows (upstreams,
 * pools, the audit log's file) have their own edits. The named edits below are the combinations tests use often.
 */
public final class ConfigEdit {
    private GatewayConfig c;

    private ConfigEdit(GatewayConfig c) {
        this.c = c;
    }

    /** Starts editing {@code c}. */
    public static ConfigEdit edit(GatewayConfig c) {
        return new ConfigEdit(c);
    }

    /** Returns the edited config. */
    public GatewayConfig get() {
        return c;
    }

    /** Sets one row. */
    public <T> ConfigEdit set(Setting<T> s, T value) {
        c = c.with(s, value);
        return this;
    }

    /** Sets one list row. */
    public <T> ConfigEdit setList(Setting<T> s, List<T> values) {
        c = c.withList(s, values);
        return this;
    }

    public ConfigEdit parking(ParkingPolicy p) {
        return set(Settings.PARK_WINDOW, p.window()).set(Settings.PARK_BUFFER_FRAMES, (long) p.maxFrames())
                .set(Settings.PARK_BUFFER_BYTES, p.maxBytes());
    }

    /** Sets the gateway's agent cap and spawn rate; the per-credential cap becomes the derived one (three quarters of {@code max}). */
    public ConfigEdit agentLimits(int max, int burst, double perSecond) {
        return set(Settings.MAX_AGENTS, (long) max).set(Settings.SPAWN_BURST, (long) burst).set(Settings.SPAWN_PER_SECOND, perSecond)
                .set(Settings.AGENTS_PER_CREDENTIAL, 0L).set(Settings.AGENTS_PER_READ_CREDENTIAL, (long) Integer.MAX_VALUE);
    }

    /** Sets the listener's connection caps (issue 21, F7). */
    public ConfigEdit connections(int total, int perAddress, Duration handshakeTimeout) {
        return set(Settings.MAX_CONNECTIONS, (long) total).set(Settings.CONNECTIONS_PER_ADDRESS, (long) perAddress)
                .set(Settings.HANDSHAKE_TIMEOUT, handshakeTimeout);
    }

    public ConfigEdit liveness(Duration ready, Duration ping, boolean loopbackToo) {
        return set(Settings.READY_TIMEOUT, ready).set(Settings.PING_INTERVAL, ping).set(Settings.PING_LOOPBACK, loopbackToo);
    }

    public ConfigEdit outbound(long highWater, long limit, Duration stall) {
        return set(Settings.OUTBOUND_HIGH_WATER, highWater).set(Settings.OUTBOUND_LIMIT, limit).set(Settings.CLIENT_STALL, stall);
    }

    public ConfigEdit maxMessageBytes(int bytes) {
        return set(Settings.MAX_MESSAGE_BYTES, (long) bytes);
    }

    public ConfigEdit maxBodyBytes(long bytes) {
        return set(Settings.MAX_BODY_BYTES, bytes);
    }

    public ConfigEdit allowed(Set<String> hosts, Set<String> origins) {
        return setList(Settings.ALLOWED_HOSTS, List.copyOf(hosts)).setList(Settings.ALLOWED_ORIGINS, List.copyOf(origins));
    }

    /** Sets the lockout: failures within {@code window} lock an address out for {@code lockout}. */
    public ConfigEdit lockout(int failures, Duration window, Duration lockout) {
        return set(Settings.AUTH_FAILURES, (long) failures).set(Settings.AUTH_WINDOW, window).set(Settings.LOCKOUT, lockout);
    }

    /** Writes the audit log to {@code file}. */
    public ConfigEdit audit(Path file) {
        c = c.withAuditLog(Optional.of(file));
        return this;
    }

    /** Proxies to these upstreams (null = off). */
    public ConfigEdit upstreams(UpstreamConfig api, UpstreamConfig dashboard) {
        c = c.withUpstreams(c.upstreams().withUpstreams(api, dashboard));
        return this;
    }

    public ConfigEdit pools(PoolSettings p) {
        c = c.withPools(p);
        return this;
    }

    /** Returns {@code u} with other timeouts. */
    public static UpstreamConfig timeouts(UpstreamConfig u, Duration connect, Duration response, Duration idle) {
        return u.withTimeouts(connect, response, idle);
    }
}
