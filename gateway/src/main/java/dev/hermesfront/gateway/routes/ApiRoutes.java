package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.SecuritySettings;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.proxy.UpstreamProxy;
import dev.hermesfront.gateway.routes.RouteTable.Needs;
import io.undertow.server.HttpHandler;
import java.util.function.BooleanSupplier;

/**
 * The API server's surface (rest-surface.md §1, §6.1): {@code /health} and {@code /v1/health} public,
 * {@code /health/detailed}, {@code /v1/*}, {@code /api/jobs*}, {@code /api/sessions*} and the per-profile
 * {@code /p/PROFILE/*} for authenticated
 * callers only, with the inner key injected on the loopback hop. On a coordinator, {@code X-Hermes-Peer}
 * sends any of them to that peer instead ({@link PeerSelector}).
 *
 * <p>{@code /api/sessions*} reads and writes the agent's one stored-session database, whoever made each session: while
 * stored sessions are kept apart by principal (more than one: {@code StoredSessions#enabled}), it needs {@code admin},
 * whatever the table says for a single-principal install (403 {@code sessions_need_admin}, audited {@code rest_denied}).
 */
public final class ApiRoutes implements Routes {
    private final HttpHandler publicApi;
    private final HttpHandler authedApi;
    private final HttpHandler sessionsApi;

    public ApiRoutes(UpstreamConfig api, SecuritySettings limits, Gate gate, boolean basicOffered, PeerSelector peers) {
        this(api, limits, gate, basicOffered, peers, () -> false);
    }

    /** With {@code apart}: true while stored sessions are kept apart by principal; {@code /api/sessions*} then needs admin. */
    public ApiRoutes(UpstreamConfig api, SecuritySettings limits, Gate gate, boolean basicOffered, PeerSelector peers, BooleanSupplier apart) {
        HttpHandler proxy = UpstreamProxy.api(api);
        // Public health goes without the inner key and is rate limited per address (issue 11).
        this.publicApi = peers.wrap(UpstreamProxy.apiHealth(api, limits.healthBurst(), limits.healthPerSecond()));
        this.authedApi = peers.wrap(new AccessHandler(gate, basicOffered, proxy));
        this.sessionsApi = peers.wrap(new AccessHandler(gate, basicOffered, ex -> {
            Identity who = ex.getAttachment(AccessHandler.IDENTITY);
            if (apart.getAsBoolean() && (who == null || !gate.effective(who).map(s -> s == Scope.ADMIN).orElse(false))) {
                gate.audit().event("rest_denied").with("credential", who == null ? "" : who.name())
                        .with("peer", ex.getSourceAddress().getAddress().getHostAddress()).with("method", ex.getRequestMethod().toString())
                        .with("path", ex.getRequestPath()).with("outcome", "denied").with("reason", "stored sessions of every principal: needs admin")
                        .write();
                ErrorResponses.send(ex, 403, "sessions_need_admin", "with more than one principal, /api/sessions lists every principal's "
                        + "stored sessions and needs the admin scope; use the TUI channel's session.list");
                return;
            }
            proxy.handleRequest(ex);
        }));
    }

    @Override
    public void register(RouteTable routes) {
        routes.exact("/health", Needs.PUBLIC, publicApi)
                .exact("/v1/health", Needs.PUBLIC, publicApi)
                .exact("/health/detailed", Needs.TABLE, authedApi)
                .prefix("/v1", Needs.TABLE, authedApi)
                .prefix("/api/jobs", Needs.TABLE, authedApi)
                .prefix("/api/sessions", Needs.TABLE, sessionsApi)
                .prefix("/p", Needs.TABLE, authedApi);
    }
}
