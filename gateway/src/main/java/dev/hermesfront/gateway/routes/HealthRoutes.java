package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.http.HealthHandler;
import dev.hermesfront.gateway.routes.RouteTable.Needs;
import java.util.function.IntSupplier;

/**
 * The front's own liveness: {@code /front/health} always, and {@code /health} too when no API server is
 * proxied (then nobody else answers it). Public.
 */
public final class HealthRoutes implements Routes {
    /** The front's own health path. */
    public static final String FRONT_HEALTH = "/front/health";

    private final HealthHandler health;
    private final boolean apiProxied;

    public HealthRoutes(String agentKind, IntSupplier connections, boolean apiProxied) {
        this.health = new HealthHandler(agentKind, connections);
        this.apiProxied = apiProxied;
    }

    @Override
    public void register(RouteTable routes) {
        routes.exact(FRONT_HEALTH, Needs.PUBLIC, health);
        if (!apiProxied) {
            routes.exact("/health", Needs.PUBLIC, health);
        }
    }
}
