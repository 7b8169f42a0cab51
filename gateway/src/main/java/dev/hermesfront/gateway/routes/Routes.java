package dev.hermesfront.gateway.routes;

import io.undertow.server.handlers.PathHandler;

/**
 * One concern's routes (the front's health, the TUI channel, the API server, the dashboard, peers, the
 * front's own REST). Each concern adds its paths, already wrapped in the access checks they need; the
 * server only collects them. Paths are matched after {@link dev.hermesfront.gateway.http.NormalizePathHandler}.
 */
public interface Routes {
    /** Adds this concern's paths to {@code paths}. */
    void register(PathHandler paths);
}
