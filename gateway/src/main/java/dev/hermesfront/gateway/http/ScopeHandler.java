package dev.hermesfront.gateway.http;

import dev.hermesfront.gateway.policy.Guardrails;
import dev.hermesfront.gateway.policy.Scope;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Applies the per-route scope table and the per-credential rate limit to authenticated REST requests
 * (after {@link AuthHandler}): 403 {@code forbidden} naming the scope needed, 429 {@code rate_limited}
 * with {@code Retry-After}. Denials and admin-scope requests go to the audit log.
 */
public final class ScopeHandler implements HttpHandler {
    /** The peer's own path of a {@code /peers/NAME/...} request, when routing to a peer; set before auth. */
    public static final io.undertow.util.AttachmentKey<String> PEER_PATH = io.undertow.util.AttachmentKey.create(String.class);
    private final Guardrails guard;
    private final HttpHandler next;

    public ScopeHandler(Guardrails guard, HttpHandler next) {
        this.guard = guard;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        Principal who = ex.getAttachment(Principal.KEY);
        if (who == null) {
            ErrorResponses.send(ex, 401, "unauthorized", "missing or invalid credentials");
            return;
        }
        String peer = ex.getSourceAddress().getAddress().getHostAddress();
        String method = ex.getRequestMethod().toString();
        String path = ex.getRequestPath();
        Scope have = Scope.parse(who.scope()).orElse(Scope.READ);
        Scope need = guard.policy().forRest(method, path);
        String peerPath = ex.getAttachment(PEER_PATH);
        if (peerPath != null) {
            // /peers/NAME/...: at least what the coordinator's rule says and what the same call needs locally.
            Scope inner = guard.policy().forRest(method, peerPath);
            need = inner.covers(need) ? inner : need;
        }
        if (!have.covers(need)) {
            guard.audit().event("rest_denied").with("credential", who.name()).with("peer", peer).with("method", method)
                    .with("path", path).with("outcome", "denied").with("reason", "needs " + need.label()).write();
            ErrorResponses.send(ex, 403, "forbidden", method + " " + path + " needs the " + need.label() + " scope; credential '"
                    + who.name() + "' has " + have.label());
            return;
        }
        long waitMs = guard.rest().take(who.name());
        if (waitMs > 0) {
            long seconds = Math.max(1, (waitMs + 999) / 1000);
            guard.audit().event("rate_limited").with("credential", who.name()).with("peer", peer).with("method", method)
                    .with("path", path).with("outcome", "denied").write();
            ex.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(seconds));
            ErrorResponses.send(ex, 429, "rate_limited", "too many requests for credential '" + who.name() + "'; retry in " + seconds + " s");
            return;
        }
        if (need == Scope.ADMIN) {
            guard.audit().event("rest_call").with("credential", who.name()).with("peer", peer).with("method", method)
                    .with("path", path).with("outcome", "allowed").write();
        }
        next.handleRequest(ex);
    }
}
