package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Lets WebSocket upgrade requests through to {@code next}; answers anything else on the path with
 * 426 and a JSON body saying what the path is for.
 */
public final class WebSocketOnlyHandler implements HttpHandler {
    private final HttpHandler next;

    public WebSocketOnlyHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (CredentialCarriers.isUpgrade(ex)) {
            next.handleRequest(ex);
            return;
        }
        ex.getResponseHeaders().put(Headers.UPGRADE, "websocket");
        ErrorResponses.send(ex, 426, "upgrade_required",
                "/api/ws is a WebSocket endpoint: connect with ws://HOST:PORT/api/ws?token=TOKEN");
    }
}
