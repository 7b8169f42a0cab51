package dev.hermesfront.gateway.http;

import dev.hermesfront.protocol.JsonText;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.Map;

/**
 * Writes hermes-front's own error answers in the OpenAI error shape the API server uses
 * (rest-surface.md §3.1, §6.7): {@code {"error": {"message", "type", "param": null, "code"}}}. Where the
 * API server has a code for the same condition, {@code code} is that code (a 401 is
 * {@code invalid_api_key}, a 429 {@code rate_limit_exceeded}) and {@code front_code} carries the front's
 * own, more precise one ({@code unauthorized}, {@code rate_limited}, {@code locked_out}); elsewhere
 * {@code code} is the front's own ({@code upstream_unavailable}, {@code upstream_timeout}, …), which no
 * upstream emits. {@code type} is {@code rate_limit_error} for 429, {@code server_error} for 5xx and
 * {@code invalid_request_error} otherwise, unless the caller names one. The security headers are added
 * by {@link SecurityHeadersHandler}, not here.
 */
public final class ErrorResponses {
    /** Front codes that have an API-server equivalent: front code → the API server's code. */
    private static final Map<String, String> OPENAI_CODES = Map.of(
            "unauthorized", "invalid_api_key",
            "rate_limited", "rate_limit_exceeded",
            "locked_out", "rate_limit_exceeded");
    /** The error code the front answered with, for metrics (e.g. {@code upstream_timeout}); absent on other responses. */
    public static final io.undertow.util.AttachmentKey<String> CODE = io.undertow.util.AttachmentKey.create(String.class);

    private ErrorResponses() {}

    /** Sends {@code status} with a JSON error body and ends the exchange. */
    public static void send(HttpServerExchange ex, int status, String code, String message) {
        send(ex, status, code, message, null);
    }

    /**
     * Sends {@code status} with the OpenAI-shaped body; {@code type} null means derived from the status;
     * ends the exchange.
     */
    public static void send(HttpServerExchange ex, int status, String code, String message, String type) {
        ex.putAttachment(CODE, code);
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(body(status, code, message, type));
    }

    /** Returns the JSON body {@link #send} writes. */
    public static String body(int status, String code, String message, String type) {
        String openAi = OPENAI_CODES.getOrDefault(code, code);
        StringBuilder b = new StringBuilder(128 + message.length());
        b.append("{\"error\": {\"message\": ");
        JsonText.quoteInto(b, message);
        b.append(", \"type\": ");
        JsonText.quoteInto(b, type != null ? type : typeFor(status));
        b.append(", \"param\": null, \"code\": ");
        JsonText.quoteInto(b, openAi);
        if (!openAi.equals(code)) {
            b.append(", \"front_code\": ");
            JsonText.quoteInto(b, code);
        }
        b.append("}}");
        return b.toString();
    }

    /** Returns the OpenAI error type for {@code status}. */
    static String typeFor(int status) {
        if (status == 429) {
            return "rate_limit_error";
        }
        return status >= 500 ? "server_error" : "invalid_request_error";
    }
}
