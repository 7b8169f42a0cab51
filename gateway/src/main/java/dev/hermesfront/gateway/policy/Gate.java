package dev.hermesfront.gateway.policy;

import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one authentication and authorization decision of the front. Every REST request, every WebSocket
 * upgrade and every {@code /api/ws} message goes through it; the callers only render its answers.
 *
 * <p>{@link #authenticate}: a request presents zero or one credential. Several (two {@code Authorization}
 * headers, a header plus a token, a token plus Basic) are refused, and every wrong one among them counts
 * towards the address's lockout, so guesses cannot ride along with a valid credential. Messages never name
 * the credential that matched.
 *
 * <p>{@link #authorize}: the identity's scope must cover what the call needs, and the credential's rate
 * must not be spent. Denials, rate limits, admin-scope calls and WebSocket upgrades are written to the
 * audit log here, so no route can forget to.
 *
 * <p>What it decides with (credentials, scope table, lockout and rate limits) is read through a supplier
 * on every call, so a configuration reload swaps it in place ({@link Rules}); tickets and share tokens
 * stay. Every decision is also told to {@link GateEvents} (metrics), with bounded labels.
 *
 * <p>Thread-safe.
 */
public final class Gate {
    private static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private final Supplier<Rules> rules;
    private final TicketBook tickets;
    private final ShareResolver shares;
    private final GateEvents events;

    /**
     * What the gate decides with, swapped as a whole on reload.
     *
     * @param credentials who may authenticate
     * @param guard       scope table, audit log, lockout and per-credential rates
     */
    public record Rules(Credentials credentials, Guardrails guard) {}

    /** Turns a share token into the identity it stands for ({@code /api/ws} of one agent only). */
    @FunctionalInterface
    public interface ShareResolver {
        /** Returns the share's identity if the token is live; counts nothing. */
        Optional<Identity> resolve(String token);

        /**
         * Returns true when {@code token} is a link this front minted that has since been revoked, expired or lost
         * its agent: a client still holding it (a TUI retrying every few seconds) is not guessing, so it must not
         * lock out its address (with Tailscale Serve or NAT, everyone's).
         */
        default boolean wasMinted(String token) {
            return false;
        }

        /** Resolves no share at all (sharing not configured). */
        ShareResolver NONE = token -> Optional.empty();
    }

    /** What authentication found. */
    public sealed interface Authentication {
        /** No credential was presented. */
        record Anonymous() implements Authentication {}

        /** Exactly one valid credential. */
        record Authenticated(Identity who) implements Authentication {}

        /**
         * Refused: {@code status} 401 (wrong credential) or 400 (several credentials); the message is safe
         * to show and names no credential.
         */
        record Refused(int status, String code, String message) implements Authentication {}
    }

    /** Which per-credential rate a call spends. */
    public enum Limit { REST, WS, NONE }

    /**
     * What the audit log should say about a call.
     *
     * @param kind      {@code rest}, {@code ws} (a message on /api/ws) or {@code upgrade}
     * @param address   the client's address
     * @param method    HTTP method or JSON-RPC method
     * @param path      the normalized path (REST and upgrades), or null
     * @param sessionId the JSON-RPC session id, or null
     */
    public record Facts(String kind, String address, String method, String path, String sessionId) {}

    /** Returns a gate with fixed credentials and guardrails that counts nothing. */
    public Gate(Credentials credentials, Guardrails guard, TicketBook tickets, ShareResolver shares) {
        this(fixed(new Rules(credentials, guard)), tickets, shares, GateEvents.NONE);
    }

    /**
     * @param rules   read on every call: the current credentials and guardrails
     * @param events  told every failure, lockout, denial and rate limit
     */
    public Gate(Supplier<Rules> rules, TicketBook tickets, ShareResolver shares, GateEvents events) {
        this.rules = rules;
        this.tickets = tickets;
        this.shares = shares;
        this.events = events;
    }

    private static Supplier<Rules> fixed(Rules r) {
        return () -> r;
    }

    /** Returns the scope table. */
    public AccessPolicy policy() {
        return rules.get().guard().policy();
    }

    /** Returns the current credentials. */
    public Credentials credentials() {
        return rules.get().credentials();
    }

    /** Returns the ticket book ({@code POST /api/auth/ws-ticket}). */
    public TicketBook tickets() {
        return tickets;
    }

    /** Returns the audit log. */
    public AuditLog audit() {
        return rules.get().guard().audit();
    }

    /** Returns the seconds left of {@code address}'s lockout, or 0. */
    public long lockedForSeconds(String address) {
        return rules.get().guard().failures().lockedForSeconds(address);
    }

    /**
     * Authenticates what a request presents, from {@code address}. Tickets are consumed even when the
     * request is refused for carrying more than one credential.
     */
    public Authentication authenticate(List<Carrier> presented, String address, Facts facts) {
        if (presented.isEmpty()) {
            return new Authentication.Anonymous();
        }
        Rules now = rules.get();
        Guardrails guard = now.guard();
        Identity found = null;
        int wrong = 0;
        for (Carrier c : presented) {
            Optional<Identity> who = check(now.credentials(), c);
            if (who.isPresent()) {
                found = who.get();
            } else if (c instanceof Carrier.ProxyUser) {
                // The trusted proxy vouches for the name; an unknown user is not a guess, and counting it would lock
                // out the proxy's address (every user behind it) after a few strangers.
                events.authFailed(Carrier.kind(c));
                guard.audit().event("auth_failed").with("peer", address).with("method", facts.method()).with("path", facts.path())
                        .with("via", "identity").with("identity", ((Carrier.ProxyUser) c).login()).with("outcome", "denied")
                        .with("reason", "no credential has this identity").write();
            } else if (c instanceof Carrier.Share s && shares.wasMinted(s.value())) {
                // A dead link of ours, not a guess: refused (4401) and audited, never counted towards the lockout.
                events.authFailed(Carrier.kind(c));
                guard.audit().event("auth_failed").with("peer", address).with("method", facts.method()).with("path", facts.path())
                        .with("via", "share").with("outcome", "denied").with("reason", "share link revoked, expired or its agent ended")
                        .write();
            } else {
                events.authFailed(Carrier.kind(c));
                wrong++;
            }
        }
        for (int i = 0; i < wrong; i++) {
            fail(guard, address, facts);
        }
        if (presented.size() > 1) {
            guard.audit().event("auth_refused").with("peer", address).with("method", facts.method()).with("path", facts.path())
                    .with("outcome", "denied").with("reason", presented.size() + " credentials in one request").write();
            return new Authentication.Refused(400, "several_credentials",
                    "present exactly one credential per request (this one carries " + presented.size() + ")");
        }
        if (found == null) {
            return new Authentication.Refused(401, "unauthorized", "missing or invalid credentials");
        }
        return new Authentication.Authenticated(found);
    }

    private Optional<Identity> check(Credentials credentials, Carrier c) {
        if (c instanceof Carrier.Token t) {
            return credentials.matchToken(t.value()).map(cr -> identity(cr, t.via()));
        }
        if (c instanceof Carrier.Basic b) {
            return credentials.matchBasic(b.user(), b.password()).map(cr -> identity(cr, "basic"));
        }
        if (c instanceof Carrier.ProxyUser u) {
            // The login is not a secret; it rides in via so that audit lines name the person, not only the credential.
            return credentials.matchLogin(u.login()).map(cr -> identity(cr, "identity:" + u.login().strip()));
        }
        if (c instanceof Carrier.Ticket t) {
            return tickets.consume(t.value()).map(i -> new Identity(i.name(), i.scope(), "ticket:" + t.via(), i.agent()));
        }
        if (c instanceof Carrier.Share s) {
            return shares.resolve(s.value());
        }
        return Optional.empty();
    }

    private static Identity identity(Credential c, String via) {
        return Identity.of(c.name(), Scope.parse(c.scope()).orElse(Scope.READ), via);
    }

    private void fail(Guardrails guard, String address, Facts facts) {
        boolean locked = guard.failures().fail(address);
        guard.audit().event("auth_failed").with("peer", address).with("method", facts.method()).with("path", facts.path())
                .with("outcome", "denied").write();
        if (locked) {
            events.lockout();
            guard.audit().event("lockout").with("peer", address).with("outcome", "locked").write();
        }
    }

    /**
     * Decides whether {@code who} may make a call that needs {@code need}, spending one unit of its
     * {@code limit} rate when it may. Audits denials, rate limits, admin-scope calls and upgrades.
     */
    public Decision authorize(Identity who, Scope need, Limit limit, Facts facts) {
        Guardrails guard = rules.get().guard();
        if (!who.scope().covers(need)) {
            String reason = "needs the " + need.label() + " scope; this credential has " + who.scope().label();
            events.denied(facts.kind(), boundedMethod(guard, facts));
            guard.audit().event(facts.kind() + "_denied").with("credential", who.name()).with("peer", facts.address())
                    .with("method", facts.method()).with("path", facts.path()).with("session_id", facts.sessionId())
                    .with("via", who.via()).with("outcome", "denied").with("reason", "needs " + need.label()).write();
            return new Decision.Denied(need, who.scope(), reason);
        }
        long waitMs = switch (limit) {
            case REST -> guard.rest().take(who.name());
            case WS -> guard.ws().take(who.name());
            case NONE -> 0;
        };
        if (waitMs > 0) {
            events.rateLimited(facts.kind());
            guard.audit().event("rate_limited").with("credential", who.name()).with("peer", facts.address())
                    .with("method", facts.method()).with("path", facts.path()).with("outcome", "denied").write();
            return new Decision.Limited(waitMs);
        }
        if (need == Scope.ADMIN || facts.kind().equals("upgrade")) {
            guard.audit().event(facts.kind() + "_call").with("credential", who.name()).with("peer", facts.address())
                    .with("method", facts.method()).with("path", facts.path()).with("session_id", facts.sessionId())
                    .with("scope", who.scope().label()).with("via", who.via()).with("outcome", "allowed").write();
        }
        return Decision.ALLOWED;
    }

    /** A method label from a fixed set: a JSON-RPC method of the scope table, an HTTP method, else {@code other}. */
    private static String boundedMethod(Guardrails guard, Facts facts) {
        String m = facts.method();
        if (m == null) {
            return "response";
        }
        if (facts.kind().equals("ws")) {
            return guard.policy().listed(m) ? m : "other";
        }
        String upper = m.toUpperCase(Locale.ROOT);
        return HTTP_METHODS.contains(upper) ? upper : "other";
    }
}
