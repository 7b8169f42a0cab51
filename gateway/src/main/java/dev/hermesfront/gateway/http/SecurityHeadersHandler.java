package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HttpString;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adds the security headers the Hermes API server sends on its own responses (its
 * {@code security_headers_middleware}, rest-surface.md §3.2) to every response of the front: its own
 * answers (401, 403, 404, 413, 429, 502, 504, health) and the API server's answers that lack them
 * (its SSE streams, aiohttp's 404/405). A header the upstream already set is left as it is. Responses
 * relayed from the dashboard or a peer are left alone ({@link #LEAVE_ALONE}): the dashboard's page
 * would not run under {@code default-src 'none'}, and a peer sets its own. The one place these headers
 * are added. The front sends no {@code Server} header (the upstream's is dropped by the proxy).
 */
public final class SecurityHeadersHandler implements HttpHandler {
    /** The headers and values, as the real API server sends them (recorded from aiohttp, Hermes 0.18.2). */
    public static final Map<String, String> HEADERS = headers();
    /** Set by the proxy on an exchange whose response is relayed from an upstream with its own header policy. */
    public static final AttachmentKey<Boolean> LEAVE_ALONE = AttachmentKey.create(Boolean.class);

    private static final HttpString[] NAMES = HEADERS.keySet().stream().map(HttpString::new).toArray(HttpString[]::new);
    private static final String[] VALUES = HEADERS.values().toArray(String[]::new);

    private final HttpHandler next;

    public SecurityHeadersHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        ex.addResponseCommitListener(SecurityHeadersHandler::addMissing);
        next.handleRequest(ex);
    }

    private static void addMissing(HttpServerExchange ex) {
        if (ex.getAttachment(LEAVE_ALONE) != null) {
            return;
        }
        for (int i = 0; i < NAMES.length; i++) {
            if (!ex.getResponseHeaders().contains(NAMES[i])) {
                ex.getResponseHeaders().put(NAMES[i], VALUES[i]);
            }
        }
    }

    private static Map<String, String> headers() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        h.put("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
        h.put("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
        h.put("X-Content-Type-Options", "nosniff");
        h.put("X-Frame-Options", "DENY");
        h.put("X-XSS-Protection", "0");
        h.put("Referrer-Policy", "no-referrer");
        return java.util.Collections.unmodifiableMap(h);
    }
}
