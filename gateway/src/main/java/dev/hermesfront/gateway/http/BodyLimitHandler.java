package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Answers 413 {@code body_too_large} before reading a body whose {@code Content-Length} is over the cap,
 * and caps chunked bodies while they stream (default 10,000,000 bytes, the API server's own limit;
 * rest-surface.md §3.4, §6.8). The connection is closed after a 413 since the body is left unread.
 */
public final class BodyLimitHandler implements HttpHandler {
    private final long maxBytes;
    private final HttpHandler next;

    public BodyLimitHandler(long maxBytes, HttpHandler next) {
        this.maxBytes = maxBytes;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String cl = ex.getRequestHeaders().getFirst(Headers.CONTENT_LENGTH);
        if (cl != null && Long.parseLong(cl.strip()) > maxBytes) {
            ex.setPersistent(false);
            ErrorResponses.send(ex, 413, "body_too_large", "Request body too large (limit " + maxBytes + " bytes)",
                    "invalid_request_error");
            return;
        }
        ex.setMaxEntitySize(maxBytes);
        next.handleRequest(ex);
    }
}
