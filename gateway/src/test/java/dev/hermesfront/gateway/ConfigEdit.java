package dev.hermesfront.gateway;

import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.LimitSettings;
import dev.hermesfront.gateway.config.ListenSettings;
import dev.hermesfront.gateway.config.PoolSettings;
import dev.hermesfront.gateway.config.SecuritySettings;
import dev.hermesfront.gateway.config.TuiSettings;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.config.UpstreamSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Test-only edits of a {@link GatewayConfig}: each returns a new config with one part changed. Production
 * code never copies settings records; it builds them once from the settings table.
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

    public ConfigEdit parking(ParkingPolicy p) {
        TuiSettings t = c.tui();
        return tui(new TuiSettings(p, t.maxAgents(), t.spawnBurst(), t.spawnPerSecond(), t.readyTimeout(), t.pingInterval(),
                t.pingLoopback(), t.clientStall(), t.agentsPerCredential(), t.memoryBudgetBytes()));
    }

    /** Sets the gateway's agent cap and spawn rate; the per-credential cap becomes the derived one (three quarters of {@code max}). */
    public ConfigEdit agentLimits(int max, int burst, double perSecond) {
        TuiSettings t = c.tui();
        return tui(new TuiSettings(t.parking(), max, burst, perSecond, t.readyTimeout(), t.pingInterval(), t.pingLoopback(), t.clientStall(), 0,
                t.memoryBudgetBytes(), t.sharesPerCredential(), t.sharesPerAgent(), Integer.MAX_VALUE));
    }

    /** Sets the listener's connection caps (issue 21, F7). */
    public ConfigEdit connections(int total, int perAddress, Duration handshakeTimeout) {
        LimitSettings l = c.limits();
        c = new GatewayConfig(c.listen(), c.auth(), new LimitSettings(l.maxBodyBytes(), l.maxMessageBytes(), l.outboundHighWater(),
                l.outboundLimit(), total, perAddress, handshakeTimeout), c.upstreams(), c.tui(), c.security(), c.peers(), c.pools());
        return this;
    }

    public ConfigEdit liveness(Duration ready, Duration ping, boolean loopbackToo) {
        TuiSettings t = c.tui();
        return tui(new TuiSettings(t.parking(), t.maxAgents(), t.spawnBurst(), t.spawnPerSecond(), ready, ping, loopbackToo, t.clientStall(),
                t.agentsPerCredential(), t.memoryBudgetBytes()));
    }

    public ConfigEdit outbound(long highWater, long limit, Duration stall) {
        TuiSettings t = c.tui();
        LimitSettings l = c.limits();
        c = new GatewayConfig(c.listen(), c.auth(), new LimitSettings(l.maxBodyBytes(), l.maxMessageBytes(), highWater, limit),
                c.upstreams(), c.tui(), c.security(), c.peers(), c.pools());
        return tui(new TuiSettings(t.parking(), t.maxAgents(), t.spawnBurst(), t.spawnPerSecond(), t.readyTimeout(), t.pingInterval(),
                t.pingLoopback(), stall, t.agentsPerCredential(), t.memoryBudgetBytes()));
    }

    public ConfigEdit tui(TuiSettings t) {
        c = new GatewayConfig(c.listen(), c.auth(), c.limits(), c.upstreams(), t, c.security(), c.peers(), c.pools());
        return this;
    }

    public ConfigEdit maxMessageBytes(int bytes) {
        LimitSettings l = c.limits();
        c = new GatewayConfig(c.listen(), c.auth(), new LimitSettings(l.maxBodyBytes(), bytes, l.outboundHighWater(), l.outboundLimit()),
                c.upstreams(), c.tui(), c.security(), c.peers(), c.pools());
        return this;
    }

    public ConfigEdit maxBodyBytes(long bytes) {
        LimitSettings l = c.limits();
        c = new GatewayConfig(c.listen(), c.auth(), new LimitSettings(bytes, l.maxMessageBytes(), l.outboundHighWater(), l.outboundLimit()),
                c.upstreams(), c.tui(), c.security(), c.peers(), c.pools());
        return this;
    }

    public ConfigEdit allowed(Set<String> hosts, Set<String> origins) {
        c = new GatewayConfig(new ListenSettings(c.listen().address(), hosts, origins), c.auth(), c.limits(), c.upstreams(), c.tui(),
                c.security(), c.peers(), c.pools());
        return this;
    }

    /** Proxies to these upstreams (null = off). */
    public ConfigEdit upstreams(UpstreamConfig api, UpstreamConfig dashboard) {
        UpstreamSettings u = c.upstreams();
        c = new GatewayConfig(c.listen(), c.auth(), c.limits(), new UpstreamSettings(Optional.ofNullable(api), Optional.ofNullable(dashboard),
                u.connect(), u.response(), u.idle()), c.tui(), c.security(), c.peers(), c.pools());
        return this;
    }

    public ConfigEdit pools(PoolSettings p) {
        c = new GatewayConfig(c.listen(), c.auth(), c.limits(), c.upstreams(), c.tui(), c.security(), c.peers(), p);
        return this;
    }

    public ConfigEdit security(SecuritySettings s) {
        c = new GatewayConfig(c.listen(), c.auth(), c.limits(), c.upstreams(), c.tui(), s, c.peers(), c.pools());
        return this;
    }

    /** Returns {@code s} writing the audit log to {@code file}. */
    public static SecuritySettings audited(SecuritySettings s, Path file) {
        return new SecuritySettings(Optional.of(file), s.auditMaxBytes(), s.auditKeep(), s.authFailures(), s.authWindow(), s.lockout(),
                s.restPerSecond(), s.restBurst(), s.wsPerSecond(), s.wsBurst(), s.healthPerSecond(), s.healthBurst());
    }

    /** Returns {@code s} with other lockout settings. */
    public static SecuritySettings lockout(SecuritySettings s, int failures, Duration window, Duration lockout) {
        return new SecuritySettings(s.auditLog(), s.auditMaxBytes(), s.auditKeep(), failures, window, lockout, s.restPerSecond(),
                s.restBurst(), s.wsPerSecond(), s.wsBurst(), s.healthPerSecond(), s.healthBurst());
    }

    /** Returns {@code u} with other timeouts. */
    public static UpstreamConfig timeouts(UpstreamConfig u, Duration connect, Duration response, Duration idle) {
        return new UpstreamConfig(u.uri(), u.credential(), connect, response, idle);
    }
}
