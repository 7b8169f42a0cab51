package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

/**
 * CORS for allowed cross-origin browser clients, done at the front because the API server refuses every
 * Origin by default (rest-surface.md §3.3, §6.3): answers preflights (204, before auth, since browsers
 * send no credentials on them) and adds {@code Access-Control-*} headers to every response, streams
 * included, when it is committed. Allows PATCH and the Hermes headers upstream leaves out, and exposes
 * the {@code X-Hermes-*} response headers. Runs after {@link OriginGuardHandler}.
 */
public final class CorsHandler implements HttpHandler {
    static final String ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
    static final String ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Hermes-Session-Id, "
            + "X-Hermes-Session-Key, X-Hermes-Session-Token";
    static final String EXPOSE_HEADERS = "X-Hermes-Session-Id, X-Hermes-Session-Key, X-Hermes-Completed, "
            + "X-Hermes-Partial, X-Hermes-Error, Retry-After";
    private static final HttpString ACAO = new HttpString("Access-Control-Allow-Origin");
    private static final HttpString ACAC = new HttpString("Access-Control-Allow-Credentials");
    private static final HttpString ACAM = new HttpString("Access-Control-Allow-Methods");
    private static final HttpString ACAH = new HttpString("Access-Control-Allow-Headers");
    private static final HttpString ACMA = new HttpString("Access-Control-Max-Age");
    private static final HttpString ACEH = new HttpString("Access-Control-Expose-Headers");
    private static final HttpString ACRM = new HttpString("Access-Control-Request-Method");

    private final OriginPolicy policy;
    private final HttpHandler next;

    public CorsHandler(OriginPolicy policy, HttpHandler next) {
        this.policy = policy;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String origin = ex.getRequestHeaders().getFirst(Headers.ORIGIN);
        OriginPolicy.Verdict v = policy.check(origin, ex.getRequestHeaders().getFirst(Headers.HOST));
        if (v != OriginPolicy.Verdict.ALLOWED_CROSS_ORIGIN && v != OriginPolicy.Verdict.SAME_ORIGIN) {
            next.handleRequest(ex);
            return;
        }
        if (ex.getRequestMethod().equals(Methods.OPTIONS) && ex.getRequestHeaders().contains(ACRM)) {
            ex.setStatusCode(204);
            ex.getResponseHeaders().put(ACAO, origin)
                    .put(ACAC, "true")
                    .put(ACAM, ALLOW_METHODS)
                    .put(ACAH, ALLOW_HEADERS)
                    .put(ACMA, "600")
                    .add(Headers.VARY, "Origin");
            ex.endExchange();
            return;
        }
        if (v == OriginPolicy.Verdict.ALLOWED_CROSS_ORIGIN) {
            ex.addResponseCommitListener(e -> e.getResponseHeaders()
                    .put(ACAO, origin)
                    .put(ACAC, "true")
                    .put(ACEH, EXPOSE_HEADERS)
                    .add(Headers.VARY, "Origin"));
        }
        next.handleRequest(ex);
    }
}
