package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.http.TuiHandshakeHandler;
import dev.hermesfront.gateway.http.WebSocketOnlyHandler;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.routes.RouteTable.Needs;
import io.undertow.server.HttpHandler;
import java.util.Locale;

/**
 * The TUI channel: {@code /api/ws}, served by the front's own endpoint and never proxied. A plain HTTP
 * request gets 426; an upgrade is authenticated by the {@link Gate} ({@link TuiHandshakeHandler}) and then
 * handed to the WebSocket deployment. {@link #handshake} is also what a coordinator's
 * {@code /peers/NAME/api/ws} goes through.
 */
public final class TuiRoutes implements Routes {
    /** The TUI channel's path. */
    public static final String PATH = "/api/ws";

    private final HttpHandler handshake;

    /**
     * @param deployment the WebSocket deployment that holds the endpoint
     */
    public TuiRoutes(Gate gate, HttpHandler deployment) {
        this.handshake = new WebSocketOnlyHandler(new TuiHandshakeHandler(gate, deployment));
    }

    /** Returns the handler for a handshake on the TUI channel (426 for anything but an upgrade). */
    public HttpHandler handshake() {
        return handshake;
    }

    @Override
    public void register(RouteTable routes) {
        routes.exact(PATH, Needs.CHANNEL, handshake);
    }

    /**
     * Returns true when {@code path} is another spelling of the TUI channel ({@code /api/ws/}, {@code /API/ws}):
     * such a path must never be proxied to an upstream, whose own {@code /api/ws} has no method policy.
     */
    public static boolean isVariant(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        while (p.endsWith("/") && p.length() > 1) {
            p = p.substring(0, p.length() - 1);
        }
        return p.equals(PATH) || p.endsWith(PATH);
    }
}
