package dev.hermesfront.gateway.http;

import dev.hermesfront.protocol.JsonText;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.util.function.IntSupplier;

/** Answers {@code GET /health} with {@code {"status": "ok", "service": "hermes-front", "agent": …, "connections": N}}. */
public final class HealthHandler implements HttpHandler {
    private final String agentKind;
    private final IntSupplier connections;

    public HealthHandler(String agentKind, IntSupplier connections) {
        this.agentKind = agentKind;
        this.connections = connections;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) {
        if (!ex.getRequestMethod().equals(Methods.GET) && !ex.getRequestMethod().equals(Methods.HEAD)) {
            ex.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
            ErrorResponses.send(ex, 405, "method_not_allowed", "use GET");
            return;
        }
        StringBuilder b = new StringBuilder(96);
        b.append("{\"status\": \"ok\", \"service\": \"hermes-front\", \"agent\": ");
        JsonText.quoteInto(b, agentKind);
        b.append(", \"connections\": ").append(connections.getAsInt()).append('}');
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(b.toString());
    }
}
