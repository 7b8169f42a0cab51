package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/** Answers 400 {@code host_not_allowed} when the {@code Host} header is not one {@link HostPolicy} accepts. */
public final class HostGuardHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(HostGuardHandler.class.getName());
    private final HostPolicy policy;
    private final HttpHandler next;

    public HostGuardHandler(HostPolicy policy, HttpHandler next) {
        this.policy = policy;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (!policy.allows(ex.getRequestHeaders().getFirst(Headers.HOST))) {
            LOG.log(System.Logger.Level.DEBUG, "refused Host header from {0}", ex.getSourceAddress());
            ErrorResponses.send(ex, 400, "host_not_allowed",
                    "Host header not allowed: use the address the front listens on, or add the name with --allowed-host");
            return;
        }
        next.handleRequest(ex);
    }
}
