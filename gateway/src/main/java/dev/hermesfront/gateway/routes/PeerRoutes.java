package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.peers.FanOutHandler;
import dev.hermesfront.gateway.peers.PeerRegistry;
import dev.hermesfront.gateway.peers.PeerRouteHandler;
import dev.hermesfront.gateway.peers.PeersStatusHandler;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.routes.RouteTable.Needs;
import io.undertow.server.HttpHandler;

/**
 * A coordinator's routes: {@code /peers/NAME/api/ws} (the TUI channel relayed to that peer, through the same
 * handshake as {@code /api/ws}), {@code /peers/NAME/PATH} (PATH proxied to that peer with its own credential;
 * it needs the stricter of the rules for both paths), {@code /api/peers} (health of each peer) and
 * {@code POST /v1/fanout/chat/completions}. {@link #selector} is what routes {@code X-Hermes-Peer} requests.
 */
public final class PeerRoutes implements Routes {
    private final HttpHandler toPeer;
    private final HttpHandler tuiHandshake;
    private final HttpHandler status;
    private final HttpHandler fanOut;

    public PeerRoutes(PeerRegistry peers, Gate gate, boolean basicOffered, HttpHandler tuiHandshake) {
        this.toPeer = new AccessHandler(gate, basicOffered, new PeerRouteHandler(peers));
        this.tuiHandshake = tuiHandshake;
        this.status = new AccessHandler(gate, basicOffered, new PeersStatusHandler(peers));
        // Fan-out never blocks: it reads, calls peers and writes asynchronously, so it stays on the IO thread.
        this.fanOut = new AccessHandler(gate, basicOffered, new FanOutHandler(peers));
    }

    /** Returns the selector that sends {@code X-Hermes-Peer} requests to their peer. */
    public PeerSelector selector() {
        return new PeerSelector(toPeer);
    }

    @Override
    public void register(RouteTable routes) {
        // /peers/NAME/api/ws is the channel (its handshake); any other /peers/NAME/PATH is decided by the table
        // (the stricter of the /peers rule and PATH's).
        routes.prefix(PeerRouteHandler.PREFIX, Needs.TABLE, ex -> {
            String path = ex.getRequestPath();
            if (!path.startsWith(PeerRouteHandler.PREFIX) || path.length() == PeerRouteHandler.PREFIX.length()) {
                ErrorResponses.send(ex, 404, "unknown_peer", "name a peer: /peers/NAME/...");
                return;
            }
            int slash = path.indexOf('/', PeerRouteHandler.PREFIX.length());
            String name = slash < 0 ? path.substring(PeerRouteHandler.PREFIX.length()) : path.substring(PeerRouteHandler.PREFIX.length(), slash);
            String rest = slash < 0 ? "/" : path.substring(slash);
            if (rest.equals(TuiRoutes.PATH)) {
                tuiHandshake.handleRequest(ex);
                return;
            }
            ex.putAttachment(PeerRouteHandler.PEER_NAME, name);
            ex.putAttachment(AccessHandler.PEER_PATH, rest);
            toPeer.handleRequest(ex);
        }).exact("/api/peers", Needs.own(Scope.READ, "GET"), status)
                .exact("/v1/fanout/chat/completions", Needs.own(Scope.CHAT, "POST"), fanOut);
    }
}
