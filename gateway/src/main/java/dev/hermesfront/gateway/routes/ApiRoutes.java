package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.config.SecuritySettings;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.proxy.UpstreamProxy;
import dev.hermesfront.gateway.routes.RouteTable.Needs;
import io.undertow.server.HttpHandler;

/**
 * The API server's surface (rest-surface.md §1, §6.1): {@code /health} and {@code /v1/health} public,
 * {@code /health/detailed}, {@code /v1/*}, {@code /api/jobs*}, {@code /api/sessions*} and the per-profile
 * {@code /p/PROFILE/*} for authenticated
 * callers only, with the inner key injected on the loopback hop. On a coordinator, {@code X-Hermes-Peer}
 * sends any of them to that peer instead ({@link PeerSelector}).
 */
public final class ApiRoutes implements Routes {
    private final HttpHandler publicApi;
    private final HttpHandler authedApi;

    public ApiRoutes(UpstreamConfig api, SecuritySettings limits, Gate gate, boolean basicOffered, PeerSelector peers) {
        HttpHandler proxy = UpstreamProxy.api(api);
        // Public health goes without the inner key and is rate limited per address (issue 11).
        this.publicApi = peers.wrap(UpstreamProxy.apiHealth(api, limits.healthBurst(), limits.healthPerSecond()));
        this.authedApi = peers.wrap(new AccessHandler(gate, basicOffered, proxy));
    }

    @Override
    public void register(RouteTable routes) {
        routes.exact("/health", Needs.PUBLIC, publicApi)
                .exact("/v1/health", Needs.PUBLIC, publicApi)
                .exact("/health/detailed", Needs.TABLE, authedApi)
                .prefix("/v1", Needs.TABLE, authedApi)
                .prefix("/api/jobs", Needs.TABLE, authedApi)
                .prefix("/api/sessions", Needs.TABLE, authedApi)
                .prefix("/p", Needs.TABLE, authedApi);
    }
}
