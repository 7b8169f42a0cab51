package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/** Answers 403 {@code origin_not_allowed} when {@link OriginPolicy} refuses the request's {@code Origin}. */
public final class OriginGuardHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(OriginGuardHandler.class.getName());
    private final OriginPolicy policy;
    private final HttpHandler next;

    public OriginGuardHandler(OriginPolicy policy, HttpHandler next) {
        this.policy = policy;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String origin = ex.getRequestHeaders().getFirst(Headers.ORIGIN);
        if (policy.check(origin, ex.getRequestHeaders().getFirst(Headers.HOST)) == OriginPolicy.Verdict.REFUSED) {
            LOG.log(System.Logger.Level.DEBUG, "refused Origin from {0}", ex.getSourceAddress());
            ErrorResponses.send(ex, 403, "origin_not_allowed",
                    "Origin not allowed: add it with --allowed-origin to let this web page call the front");
            return;
        }
        next.handleRequest(ex);
    }
}
