package dev.hermesfront.gateway.http;

import dev.hermesfront.protocol.JsonText;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Writes hermes-front's JSON error bodies: {@code {"error": {"code": "...", "message": "..."}}}. Errors on
 * API-server routes add the OpenAI envelope's {@code type} and {@code param} so OpenAI clients parse them
 * (rest-surface.md §6.7); our codes ({@code upstream_unavailable}, …) are never emitted by an upstream.
 */
public final class ErrorResponses {
    /** The error code the front answered with, for metrics (e.g. {@code upstream_timeout}); absent on other responses. */
    public static final io.undertow.util.AttachmentKey<String> CODE = io.undertow.util.AttachmentKey.create(String.class);

    private ErrorResponses() {}

    /** Sends {@code status} with a JSON error body and ends the exchange. */
    public static void send(HttpServerExchange ex, int status, String code, String message) {
        send(ex, status, code, message, null);
    }

    /**
     * Sends {@code status} with {@code {"error": {"code", "message", "type", "param": null}}} when
     * {@code type} is not null (OpenAI envelope), else the plain shape; ends the exchange.
     */
    public static void send(HttpServerExchange ex, int status, String code, String message, String type) {
        StringBuilder b = new StringBuilder(96 + message.length());
        b.append("{\"error\": {\"code\": ");
        JsonText.quoteInto(b, code);
        b.append(", \"message\": ");
        JsonText.quoteInto(b, message);
        if (type != null) {
            b.append(", \"type\": ");
            JsonText.quoteInto(b, type);
            b.append(", \"param\": null");
        }
        b.append("}}");
        ex.putAttachment(CODE, code);
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(b.toString());
    }
}
