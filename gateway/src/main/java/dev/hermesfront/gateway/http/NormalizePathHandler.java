package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Normalizes the request path once, before routing, policy and the proxy see it ({@link PathNormalizer}):
 * they all read the same spelling. A path that one layer would read differently from another (an escaped
 * slash, backslash or dot, a {@code ;}, {@code ..} above the root) gets 400 {@code invalid_path} and goes
 * nowhere. An absolute-form request target ({@code GET http://host/path}) is reduced to its path.
 */
public final class NormalizePathHandler implements HttpHandler {
    private final HttpHandler next;

    public NormalizePathHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String raw = ex.getRequestURI();
        if (ex.isHostIncludedInRequestURI()) {
            int scheme = raw.indexOf("://");
            int slash = scheme < 0 ? -1 : raw.indexOf('/', scheme + 3);
            raw = slash < 0 ? "/" : raw.substring(slash);
        }
        PathNormalizer.Normalized n;
        try {
            n = PathNormalizer.normalize(raw);
        } catch (PathNormalizer.Refused e) {
            ex.setPersistent(false);
            ErrorResponses.send(ex, 400, "invalid_path", e.getMessage());
            return;
        }
        ex.setRequestURI(n.encoded(), false);
        ex.setRequestPath(n.decoded());
        ex.setRelativePath(n.decoded());
        ex.setResolvedPath("");
        next.handleRequest(ex);
    }
}
