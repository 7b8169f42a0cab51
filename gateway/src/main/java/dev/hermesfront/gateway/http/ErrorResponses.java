package dev.hermesfront.gateway.http;

import dev.hermesfront.protocol.JsonText;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/** Writes hermes-front's JSON error bodies: {@code {"error": {"code": "...", "message": "..."}}}. */
public final class ErrorResponses {
    private ErrorResponses() {}

    /** Sends {@code status} with a JSON error body and ends the exchange. */
    public static void send(HttpServerExchange ex, int status, String code, String message) {
        StringBuilder b = new StringBuilder(64 + message.length());
        b.append("{\"error\": {\"code\": ");
        JsonText.quoteInto(b, code);
        b.append(", \"message\": ");
        JsonText.quoteInto(b, message);
        b.append("}}");
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(b.toString());
    }
}
