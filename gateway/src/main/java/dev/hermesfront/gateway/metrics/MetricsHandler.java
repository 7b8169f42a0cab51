package dev.hermesfront.gateway.metrics;

import dev.hermesfront.gateway.http.ErrorResponses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Times every request from arrival to completion and counts it by route family and status
 * ({@link FrontMetrics#request}); the front's own upstream errors ({@code upstream_unavailable},
 * {@code upstream_timeout}, {@code peer_unavailable}) are counted by upstream too. Outermost in the chain,
 * so guards' refusals count; the family is taken from the normalized path at completion.
 */
public final class MetricsHandler implements HttpHandler {
    private final FrontMetrics metrics;
    private final HttpHandler next;

    public MetricsHandler(FrontMetrics metrics, HttpHandler next) {
        this.metrics = metrics;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        long t0 = System.nanoTime();
        ex.addExchangeCompleteListener((e, nextListener) -> {
            try {
                metrics.request(RouteFamily.of(e.getRequestPath()), e.getStatusCode(), e.getAttachment(ErrorResponses.CODE),
                        System.nanoTime() - t0);
            } finally {
                nextListener.proceed();
            }
        });
        next.handleRequest(ex);
    }
}
