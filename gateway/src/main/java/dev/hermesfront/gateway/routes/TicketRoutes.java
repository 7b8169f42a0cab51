package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.routes.RouteTable.Needs;
import dev.hermesfront.protocol.JsonText;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

/**
 * {@code POST /api/auth/ws-ticket} (tui-wire-current.md §9): mints a single-use ticket, valid 30 s, bound
 * to the caller's credential and scope, for clients that cannot send a credential on a WebSocket handshake
 * (browsers, Tailscale Funnel, which strips query strings). Present it on {@code /api/ws} as
 * {@code ?ticket=T} or as the subprotocol pair {@code hermes-gateway-v1, hermes-gateway-ticket.T}. Answers
 * {@code {"ticket": "...", "expires_in": 30}}. The front claims this path; it is never proxied.
 */
public final class TicketRoutes implements Routes {
    /** The minting path. */
    public static final String PATH = "/api/auth/ws-ticket";

    private final HttpHandler handler;

    public TicketRoutes(Gate gate, boolean basicOffered) {
        this.handler = new AccessHandler(gate, basicOffered, ex -> {
            if (!ex.getRequestMethod().equals(Methods.POST)) {
                ex.getResponseHeaders().put(Headers.ALLOW, "POST");
                ErrorResponses.send(ex, 405, "method_not_allowed", "use POST", "invalid_request_error");
                return;
            }
            Identity who = ex.getAttachment(AccessHandler.IDENTITY);
            String ticket = gate.tickets().mint(who);
            gate.audit().event("ticket_minted").with("credential", who.name())
                    .with("peer", ex.getSourceAddress().getAddress().getHostAddress()).with("outcome", "allowed").write();
            StringBuilder b = new StringBuilder(96).append("{\"ticket\": ");
            JsonText.quoteInto(b, ticket);
            b.append(", \"expires_in\": ").append(gate.tickets().ttl().toSeconds()).append('}');
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
            ex.getResponseSender().send(b.toString());
        });
    }

    @Override
    public void register(RouteTable routes) {
        routes.exact(PATH, Needs.own(Scope.READ, "POST"), handler);
    }
}
