package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.proxy.UpstreamProxy;
import dev.hermesfront.gateway.routes.RouteTable.Needs;
import io.undertow.server.HttpHandler;
import java.net.http.HttpClient;

/**
 * The dashboard: every path no other concern claims, for authenticated callers only (rest-surface.md §6.2),
 * its sockets included. Its API and sockets need admin unless the scope table says otherwise; another
 * spelling of {@code /api/ws} ({@link TuiRoutes#isVariant}) is answered 404 here and never reaches the
 * dashboard's own, unpoliced {@code /api/ws}.
 */
public final class DashboardRoutes implements Routes {
    private final HttpHandler handler;

    public DashboardRoutes(UpstreamConfig dashboard, HttpClient tokenClient, Gate gate, boolean basicOffered, PeerSelector peers) {
        HttpHandler proxy = new AccessHandler(gate, basicOffered, UpstreamProxy.dashboard(dashboard, tokenClient));
        this.handler = peers.wrap(ex -> {
            if (TuiRoutes.isVariant(ex.getRequestPath())) {
                ErrorResponses.send(ex, 404, "not_found", "no such route: the TUI channel is " + TuiRoutes.PATH);
                return;
            }
            proxy.handleRequest(ex);
        });
    }

    @Override
    public void register(RouteTable routes) {
        routes.prefix("/", Needs.TABLE, handler);
    }
}
