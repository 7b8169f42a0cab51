package dev.hermesfront.gateway.peers;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/** {@code GET /api/peers}: each peer's state, probe latency, last error and circuit, as JSON. */
public final class PeersStatusHandler implements HttpHandler {
    private final PeerRegistry peers;

    public PeersStatusHandler(PeerRegistry peers) {
        this.peers = peers;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) {
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(peers.statusJson());
    }
}
