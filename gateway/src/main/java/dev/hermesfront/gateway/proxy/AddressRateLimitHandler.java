package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.TokenBuckets;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Rate limits a public route per client address (a token bucket each): past the limit, 429
 * {@code rate_limited} with {@code Retry-After}, and nothing reaches the upstream. Used on the API
 * server's unauthenticated {@code /health} and {@code /v1/health} (issue 11), which any caller could
 * otherwise turn into unbounded work for the loopback upstream. Thread-safe.
 */
final class AddressRateLimitHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(AddressRateLimitHandler.class.getName());
    private final TokenBuckets buckets;
    private final HttpHandler next;

    AddressRateLimitHandler(TokenBuckets buckets, HttpHandler next) {
        this.buckets = buckets;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String address = ex.getSourceAddress().getAddress().getHostAddress();
        long waitMs = buckets.take(address);
        if (waitMs > 0) {
            long seconds = Math.max(1, (waitMs + 999) / 1000);
            LOG.log(System.Logger.Level.DEBUG, "429 for {0} {1} from {2}", ex.getRequestMethod(), ex.getRequestPath(), address);
            ex.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(seconds));
            ErrorResponses.send(ex, 429, "rate_limited", "too many requests from this address; retry in " + seconds + " s");
            return;
        }
        next.handleRequest(ex);
    }
}
