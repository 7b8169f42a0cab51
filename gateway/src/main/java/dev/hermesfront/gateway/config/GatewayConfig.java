package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Settings of one gateway instance, nested by concern. Built by {@link ConfigLoader} from the settings
 * table ({@link Settings}); tests build the parts they change.
 *
 * @param listen    where to listen and which Host and Origin values to accept
 * @param auth      the credentials clients may present
 * @param limits    message, body and outbound bounds
 * @param upstreams the API server and dashboard to proxy, and the loopback timeouts
 * @param tui       parking, agent limits and liveness of the /api/ws channel
 * @param security  audit log, lockout and rate limits
 * @param peers     the coordinator's peer map, probes and fan-out limits; no peers by default
 * @param pools     sizes of the gateway's thread pools
 * @param remote    TLS, the public URL, the state directory (paired devices) and notifications
 * @param values    the settings table's rows this config was built from ({@link RowValues}); {@code ops.ConfigDiff} compares
 *                  them. A config built part by part (tests) has the defaults' rows and its own parts.
 */
public record GatewayConfig(ListenSettings listen, AuthSettings auth, LimitSettings limits, UpstreamSettings upstreams,
                            TuiSettings tui, SecuritySettings security, PeerSettings peers, PoolSettings pools, RemoteSettings remote,
                            RowValues values) {
    public GatewayConfig {
        requireNonNull(values, "values");
        requireNonNull(listen, "listen");
        requireNonNull(auth, "auth");
        requireNonNull(limits, "limits");
        requireNonNull(upstreams, "upstreams");
        requireNonNull(tui, "tui");
        requireNonNull(security, "security");
        requireNonNull(peers, "peers");
        requireNonNull(pools, "pools");
        requireNonNull(remote, "remote");
    }

    /** Returns a config built part by part, with the defaults' rows ({@link RowValues#DEFAULTS}). */
    public GatewayConfig(ListenSettings listen, AuthSettings auth, LimitSettings limits, UpstreamSettings upstreams, TuiSettings tui,
                         SecuritySettings security, PeerSettings peers, PoolSettings pools, RemoteSettings remote) {
        this(listen, auth, limits, upstreams, tui, security, peers, pools, remote, RowValues.DEFAULTS.with(Settings.LISTEN, listen.address())
                .withList(Settings.ALLOWED_HOSTS, List.copyOf(listen.allowedHosts()))
                .withList(Settings.ALLOWED_ORIGINS, List.copyOf(listen.allowedOrigins())));
    }

    /** Returns a config without TLS, state directory or notifications ({@link RemoteSettings#none()}). */
    public GatewayConfig(ListenSettings listen, AuthSettings auth, LimitSettings limits, UpstreamSettings upstreams, TuiSettings tui,
                         SecuritySettings security, PeerSettings peers, PoolSettings pools) {
        this(listen, auth, limits, upstreams, tui, security, peers, pools, RemoteSettings.none());
    }

    /** Returns this config with {@code a} as its credentials and proxy identity (not rows: resolved from the YAML lists too). */
    public GatewayConfig withAuth(AuthSettings a) {
        return new GatewayConfig(listen, a, limits, upstreams, tui, security, peers, pools, remote, values);
    }

    /** Returns this config with {@code u} as its upstreams (not rows alone: their keys may come from {@code .env}). */
    public GatewayConfig withUpstreams(UpstreamSettings u) {
        return new GatewayConfig(listen, auth, limits, u, tui, security, peers, pools, remote, values);
    }

    /** Returns this config with {@code p} as its peers (not rows alone: the YAML {@code peers} list). */
    public GatewayConfig withPeers(PeerSettings p) {
        return new GatewayConfig(listen, auth, limits, upstreams, tui, security, p, pools, remote, values);
    }

    /** Returns this config with {@code p} as its pool sizes ({@code pools.io_threads}'s default is a rule, not a row value). */
    public GatewayConfig withPools(PoolSettings p) {
        return new GatewayConfig(listen, auth, limits, upstreams, tui, security, peers, p, remote, values);
    }

    /** Returns this config writing its audit log to {@code file} ({@code audit_log}, resolved), or none. */
    public GatewayConfig withAuditLog(java.util.Optional<java.nio.file.Path> file) {
        RowValues v = values.with(Settings.AUDIT_LOG, file.map(Object::toString).orElse(ConfigLoader.OFF));
        return new GatewayConfig(listen, auth, limits, upstreams, tui, SecuritySettings.from(v, file), peers, pools, remote, v);
    }

    /** Returns this config with {@code r} as its remote settings. */
    public GatewayConfig withRemote(RemoteSettings r) {
        return new GatewayConfig(listen, auth, limits, upstreams, tui, security, peers, pools, r, values);
    }

    /** Returns this config with row {@code s} set to {@code value}; the parts built from the rows follow ({@link #rebuilt}). */
    public <T> GatewayConfig with(Setting<T> s, T value) {
        return rebuilt(values.with(s, value));
    }

    /** Returns this config with list row {@code s} set to {@code value}; the parts built from the rows follow. */
    public <T> GatewayConfig withList(Setting<T> s, java.util.List<T> value) {
        return rebuilt(values.withList(s, value));
    }

    /**
     * Returns this config with {@code v} as its rows: each part built from the rows alone (listen, limits, tui, security,
     * pools) is built again from {@code v} where {@code v} makes it differ, the others are kept. The credentials, upstreams,
     * peers, the audit log's path and the remote settings are resolved from more than the rows (YAML lists, {@code .env},
     * files) and are kept: {@code ops.ConfigDiff} takes them whole from the running or the new config.
     */
    public GatewayConfig rebuilt(RowValues v) {
        int io = v.has(Settings.IO_THREADS) ? v.get(Settings.IO_THREADS).intValue() : pools.ioThreads();
        int wasIo = values.has(Settings.IO_THREADS) ? values.get(Settings.IO_THREADS).intValue() : pools.ioThreads();
        return new GatewayConfig(follow(listen, ListenSettings.from(values), ListenSettings.from(v)), auth,
                follow(limits, LimitSettings.from(values), LimitSettings.from(v)), upstreams,
                follow(tui, TuiSettings.from(values), TuiSettings.from(v)),
                follow(security, SecuritySettings.from(values, security.auditLog()), SecuritySettings.from(v, security.auditLog())), peers,
                follow(pools, PoolSettings.from(values, wasIo), PoolSettings.from(v, io)), remote, v);
    }

    /** Returns {@code now} when the rows changed the part ({@code was} differs from it), else {@code kept}. */
    private static <P> P follow(P kept, P was, P now) {
        return was.equals(now) ? kept : now;
    }

    /** Returns a config with one token credential, default bounds and no upstreams. */
    public static GatewayConfig of(InetSocketAddress listen, Secret token) {
        return of(listen, Credentials.singleToken(token));
    }

    /** Returns a config with these credentials, default bounds and no upstreams. */
    public static GatewayConfig of(InetSocketAddress listen, Credentials credentials) {
        RowValues rows = RowValues.DEFAULTS.with(Settings.LISTEN, listen);
        return new GatewayConfig(ListenSettings.of(listen), new AuthSettings(credentials), LimitSettings.defaults(),
                UpstreamSettings.none(), TuiSettings.defaults(), SecuritySettings.defaults(), PeerSettings.none(), PoolSettings.defaults(),
                RemoteSettings.none(), rows);
    }

    /** Returns true when the bind address is loopback. */
    public boolean loopback() {
        return ListenAddress.isLoopback(listen.address());
    }
}
