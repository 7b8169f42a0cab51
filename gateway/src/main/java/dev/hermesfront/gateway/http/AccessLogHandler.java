package dev.hermesfront.gateway.http;

import dev.hermesfront.gateway.policy.Identity;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Logs one DEBUG line per finished request: method, path with secrets redacted ({@link LogRedaction}),
 * status, principal name and duration. Never logs headers or bodies.
 */
public final class AccessLogHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(AccessLogHandler.class.getName());
    private final HttpHandler next;

    public AccessLogHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            long t0 = System.nanoTime();
            String url = LogRedaction.url(ex.getRequestPath(), ex.getQueryString());
            ex.addExchangeCompleteListener((e, nextListener) -> {
                Identity p = e.getAttachment(AccessHandler.IDENTITY);
                LOG.log(System.Logger.Level.DEBUG, "{0} {1} {2,number,#} {3} {4,number,#} ms", e.getRequestMethod(), url,
                        e.getStatusCode(), p == null ? "-" : p.name(), (System.nanoTime() - t0) / 1_000_000);
                nextListener.proceed();
            });
        }
        next.handleRequest(ex);
    }
}
