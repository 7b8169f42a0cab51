package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;

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
 */
public record GatewayConfig(ListenSettings listen, AuthSettings auth, LimitSettings limits, UpstreamSettings upstreams,
                            TuiSettings tui, SecuritySettings security, PeerSettings peers, PoolSettings pools, RemoteSettings remote) {
    public GatewayConfig {
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

    /** Returns a config without TLS, state directory or notifications ({@link RemoteSettings#none()}). */
    public GatewayConfig(ListenSettings listen, AuthSettings auth, LimitSettings limits, UpstreamSettings upstreams, TuiSettings tui,
                         SecuritySettings security, PeerSettings peers, PoolSettings pools) {
        this(listen, auth, limits, upstreams, tui, security, peers, pools, RemoteSettings.none());
    }

    /** Returns this config with {@code r} as its remote settings. */
    public GatewayConfig withRemote(RemoteSettings r) {
        return new GatewayConfig(listen, auth, limits, upstreams, tui, security, peers, pools, r);
    }

    /** Returns a config with one token credential, default bounds and no upstreams. */
    public static GatewayConfig of(InetSocketAddress listen, Secret token) {
        return of(listen, Credentials.singleToken(token));
    }

    /** Returns a config with these credentials, default bounds and no upstreams. */
    public static GatewayConfig of(InetSocketAddress listen, Credentials credentials) {
        return new GatewayConfig(ListenSettings.of(listen), new AuthSettings(credentials), LimitSettings.defaults(),
                UpstreamSettings.none(), TuiSettings.defaults(), SecuritySettings.defaults(), PeerSettings.none(), PoolSettings.defaults());
    }

    /** Returns true when the bind address is loopback. */
    public boolean loopback() {
        return ListenAddress.isLoopback(listen.address());
    }
}
