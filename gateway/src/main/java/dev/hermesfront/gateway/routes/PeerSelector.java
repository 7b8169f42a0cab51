package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.peers.PeerRouteHandler;
import dev.hermesfront.gateway.proxy.ProxyRequestHandler;
import io.undertow.server.HttpHandler;

/**
 * The one place a coordinator decides that a proxied request goes to a peer by header: a request that
 * would be proxied to a local upstream (API server, dashboard) or would find no route, and that carries
 * {@code X-Hermes-Peer: NAME}, goes to that peer instead (unknown name: 404 {@code unknown_peer}). The
 * front's own routes ({@code /api/ws}, {@code /front/*}, {@code /api/peers}, fan-out, tickets) never
 * consult the header, because they are not wrapped. Without peers it wraps nothing.
 */
public final class PeerSelector {
    /** No peers: {@link #wrap} returns its argument. */
    public static final PeerSelector NONE = new PeerSelector(null);

    private final HttpHandler toPeer;

    /**
     * @param toPeer the authenticated route to a peer (access check, then {@link PeerRouteHandler})
     */
    public PeerSelector(HttpHandler toPeer) {
        this.toPeer = toPeer;
    }

    /** Returns {@code local}, or a handler that sends requests naming a peer in the header to it. */
    public HttpHandler wrap(HttpHandler local) {
        if (toPeer == null) {
            return local;
        }
        return ex -> {
            String name = ex.getRequestHeaders().getFirst(ProxyRequestHandler.PEER_HEADER);
            if (name == null) {
                local.handleRequest(ex);
                return;
            }
            ex.putAttachment(PeerRouteHandler.PEER_NAME, name.strip());
            toPeer.handleRequest(ex);
        };
    }
}
