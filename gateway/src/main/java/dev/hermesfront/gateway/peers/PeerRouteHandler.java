package dev.hermesfront.gateway.peers;

import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.proxy.ProxyRequestHandler;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

/**
 * Sends an authenticated request to the peer it names, by path ({@code /peers/NAME/REST...}, rewritten to
 * {@code /REST...}) or by the {@code X-Hermes-Peer: NAME} header (path unchanged). Unknown peer: 404
 * {@code unknown_peer}; circuit open: 503 {@code peer_unavailable} naming it, without dialling. Every answer,
 * ours or the peer's, carries {@code X-Hermes-Peer: NAME}. Runs after {@link AccessHandler}, which
 * checks the scope against both the coordinator path and the peer's own path ({@link AccessHandler#PEER_PATH}).
 */
public final class PeerRouteHandler implements HttpHandler {
    private static final AttachmentKey<String> PEER_PATH = AccessHandler.PEER_PATH;
    /** The peer a request is for, by path or header; set by the routes before the access check. */
    public static final AttachmentKey<String> PEER_NAME = AttachmentKey.create(String.class);
    /** Path prefix of peer routes. */
    public static final String PREFIX = "/peers/";

    private final PeerRegistry peers;

    public PeerRouteHandler(PeerRegistry peers) {
        this.peers = peers;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String name = ex.getAttachment(PEER_NAME);
        var peer = peers.find(name);
        if (peer.isEmpty()) {
            ErrorResponses.send(ex, 404, "unknown_peer", "no peer named '" + name + "' is configured on this coordinator");
            return;
        }
        ex.getResponseHeaders().put(ProxyRequestHandler.PEER_HEADER, name);
        ex.addResponseWrapper((factory, e) -> {
            e.getResponseHeaders().put(ProxyRequestHandler.PEER_HEADER, name);
            return factory.create();
        });
        String refusal = peer.get().refusal();
        if (refusal != null) {
            ErrorResponses.send(ex, 503, "peer_unavailable", refusal);
            return;
        }
        String rest = ex.getAttachment(PEER_PATH);
        if (rest != null) {
            String uri = ex.getRequestURI();
            int at = uri.indexOf('/', uri.indexOf(PREFIX) + PREFIX.length());
            ex.setRequestURI(at < 0 ? "/" : uri.substring(at));
            ex.setRequestPath(rest);
            ex.setRelativePath(rest);
            ex.setResolvedPath("");
        }
        peer.get().proxy().handleRequest(ex);
    }
}
