package dev.hermesfront.gateway.metrics;

import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.routes.RouteTable;
import dev.hermesfront.gateway.routes.Routes;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

/**
 * {@code GET /metrics}: the Prometheus exposition, for a credential whose scope covers {@code metrics}
 * (a dedicated {@code scope: metrics} credential that opens nothing else, or any {@code read} or wider one);
 * 401 without one. Decided by the {@link Gate} like every other route ({@code method-scopes.yaml}); the scrape
 * runs on a worker thread.
 */
public final class MetricsRoutes implements Routes {
    /** The scrape path. */
    public static final String PATH = "/metrics";

    private final HttpHandler handler;

    public MetricsRoutes(FrontMetrics metrics, Gate gate, boolean basicOffered) {
        HttpHandler scrape = ex -> {
            if (!ex.getRequestMethod().equals(Methods.GET) && !ex.getRequestMethod().equals(Methods.HEAD)) {
                ex.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
                ErrorResponses.send(ex, 405, "method_not_allowed", "use GET");
                return;
            }
            if (ex.isInIoThread()) {
                ex.dispatch(ex2 -> send(ex2, metrics));
                return;
            }
            send(ex, metrics);
        };
        this.handler = new AccessHandler(gate, basicOffered, scrape);
    }

    private static void send(io.undertow.server.HttpServerExchange ex, FrontMetrics metrics) {
        String body = metrics.scrape();
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(body);
    }

    @Override
    public void register(RouteTable routes) {
        routes.exact(PATH, RouteTable.Needs.own(Scope.METRICS, "GET", "HEAD"), handler);
    }
}
