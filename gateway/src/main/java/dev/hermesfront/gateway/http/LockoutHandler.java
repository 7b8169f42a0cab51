package dev.hermesfront.gateway.http;

import dev.hermesfront.gateway.policy.Guardrails;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Answers 429 with {@code Retry-After} to every request from an address locked out for repeated
 * authentication failures (REST, dashboard and /api/ws upgrades alike), before anything is read.
 */
public final class LockoutHandler implements HttpHandler {
    private final Guardrails guard;
    private final HttpHandler next;

    public LockoutHandler(Guardrails guard, HttpHandler next) {
        this.guard = guard;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String peer = ex.getSourceAddress().getAddress().getHostAddress();
        long seconds = guard.failures().lockedForSeconds(peer);
        if (seconds > 0) {
            ex.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(seconds));
            ErrorResponses.send(ex, 429, "locked_out", "too many failed authentications from this address; retry in " + seconds + " s");
            return;
        }
        next.handleRequest(ex);
    }
}
