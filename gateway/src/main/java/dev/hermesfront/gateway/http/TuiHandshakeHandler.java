package dev.hermesfront.gateway.http;

import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.policy.Decision;
import dev.hermesfront.gateway.policy.Delegation;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Identity;
import io.undertow.security.api.AuthenticationMode;
import io.undertow.security.idm.Account;
import io.undertow.security.impl.SecurityContextImpl;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.Set;

/**
 * Authenticates a handshake on the front's own {@code /api/ws} (and {@code /peers/NAME/api/ws}) with the
 * {@link Gate}, and hands the identity to the endpoint as the session's user principal
 * ({@code Session.getUserPrincipal()} is then an {@link Identity}). A handshake without a valid credential
 * is still let through, without a principal: the endpoint accepts it and closes it at once with 4401, which
 * the Hermes TUI shows, where a refused handshake would only show 1006. Failures count towards lockout
 * here, and every upgrade is audited. Only WebSocket upgrades reach this handler
 * ({@link WebSocketOnlyHandler} answers the rest with 426).
 */
public final class TuiHandshakeHandler implements HttpHandler {
    private final Gate gate;
    private final HttpHandler next;

    public TuiHandshakeHandler(Gate gate, HttpHandler next) {
        this.gate = gate;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String address = ex.getSourceAddress().getAddress().getHostAddress();
        Gate.Facts facts = new Gate.Facts("upgrade", address, "GET", ex.getRequestPath(), null);
        Gate.Authentication auth = gate.authenticate(CredentialCarriers.from(ex, true), address, facts);
        if (auth instanceof Gate.Authentication.Authenticated first) {
            // A coordinator relaying its user's /api/ws (issue 21, F3): the end user, from a delegating credential only.
            auth = gate.delegate(first.who(), ex.getRequestHeaders().getFirst(Delegation.HEADER), facts);
            if (auth instanceof Gate.Authentication.Refused r) {
                ErrorResponses.send(ex, r.status(), r.code(), r.message());
                return;
            }
        }
        // The servlet layer needs a security context either way; only an authenticated one carries an identity.
        SecurityContextImpl ctx = new SecurityContextImpl(ex, AuthenticationMode.PRO_ACTIVE, null);
        ex.setSecurityContext(ctx);
        if (auth instanceof Gate.Authentication.Authenticated ok
                && !(gate.authorize(ok.who(), Scope.READ, Gate.Limit.NONE, facts) instanceof Decision.Denied)) {
            ex.putAttachment(AccessHandler.IDENTITY, ok.who());
            ConnectionCaps.credentialed(ex);
            ctx.authenticationComplete(new IdentityAccount(ok.who()), "hermes-front", false);
        } else if (auth instanceof Gate.Authentication.Authenticated) {
            // A credential below read (scope metrics) opens no agent; the Gate audited the denial. Closed 4401 like any other.
        } else {
            gate.audit().event("ws_refused").with("peer", address).with("path", ex.getRequestPath()).with("outcome", "denied")
                    .with("reason", auth instanceof Gate.Authentication.Refused r ? r.code() : "no credential").write();
        }
        next.handleRequest(ex);
    }

    private record IdentityAccount(Identity principal) implements Account {
        @Override
        public Identity getPrincipal() {
            return principal;
        }

        @Override
        public Set<String> getRoles() {
            return Set.of();
        }
    }
}
