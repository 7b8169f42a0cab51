package dev.hermesfront.gateway.routes;

/**
 * One concern's routes (the front's health, the TUI channel, the API server, the dashboard, peers, the
 * front's own REST). Each concern adds its paths, already wrapped in the access checks they need, and declares
 * what each needs ({@link RouteTable.Needs}); the server only collects them. Paths are matched after
 * {@link dev.hermesfront.gateway.http.NormalizePathHandler}.
 */
public interface Routes {
    /** Adds this concern's paths to {@code routes}, each with what it needs. */
    void register(RouteTable routes);
}
