package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.util.regex.Pattern;

/**
 * Refuses requests whose shape could smuggle or inject on the loopback hop: a {@code Transfer-Encoding}
 * other than exactly {@code chunked}, both {@code Content-Length} and {@code Transfer-Encoding}, several
 * {@code Content-Length}s, a header value with CR, LF or NUL, or a header value over 8 KiB
 * (rest-surface.md §6.8). Undertow's parser already rejects most of these; this guard keeps the rule
 * in one visible place. Rejections close the connection, since the body's extent is unknown.
 */
public final class RequestShapeGuardHandler implements HttpHandler {
    /** A Content-Length value; compiled once (String.matches compiles on every call). */
    private static final Pattern DIGITS = Pattern.compile("\\d{1,18}");
    /** Largest single header value accepted, in characters. */
    public static final int MAX_HEADER_VALUE = 8192;

    private final HttpHandler next;

    public RequestShapeGuardHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        HeaderValues te = ex.getRequestHeaders().get(Headers.TRANSFER_ENCODING);
        HeaderValues cl = ex.getRequestHeaders().get(Headers.CONTENT_LENGTH);
        if (te != null && (cl != null || te.size() != 1 || !te.getFirst().strip().equalsIgnoreCase("chunked"))) {
            reject(ex, 400, "invalid_framing", "Transfer-Encoding must be exactly \"chunked\" and not combined with Content-Length");
            return;
        }
        if (cl != null && (cl.size() != 1 || !DIGITS.matcher(cl.getFirst().strip()).matches())) {
            reject(ex, 400, "invalid_framing", "Content-Length must be one decimal number");
            return;
        }
        for (HeaderValues values : ex.getRequestHeaders()) {
            for (String v : values) {
                if (v.length() > MAX_HEADER_VALUE) {
                    reject(ex, 431, "header_too_large", "a request header value is longer than " + MAX_HEADER_VALUE + " characters");
                    return;
                }
                for (int i = 0; i < v.length(); i++) {
                    char c = v.charAt(i);
                    if (c == '\r' || c == '\n' || c == 0) {
                        reject(ex, 400, "invalid_header", "request header values must not contain CR, LF or NUL");
                        return;
                    }
                }
            }
        }
        next.handleRequest(ex);
    }

    private static void reject(HttpServerExchange ex, int status, String code, String message) {
        ex.setPersistent(false);
        ErrorResponses.send(ex, status, code, message);
    }
}
