package dev.hermesfront.gateway.policy;

import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.Scope;
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
 * <p>Authority follows its source: every identity holds a {@link Grant}, and {@link #authorize} decides with the
 * grant's effective scope computed now ({@link #effective}, through {@link #grants()}), never with the scope the
 * identity was made with. A ticket or share link whose source was removed is refused when presented (not counted
 * towards the lockout: it is ours, not a guess), and every call of a connection holding one is denied.
 *
 * <p>Thread-safe.
 */
public final class Gate {
    private static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private final Supplier<Rules> rules;
    private final TicketBook tickets;
    private final ShareResolver shares;
    private final GateEvents events;
    private final Grants grants;
    /** Paired devices' tokens ({@link #acceptDevices}); none until the composition root registers them. */
    private volatile DeviceResolver devices = DeviceResolver.NONE;

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

        /**
         * Returns the live grant of the link whose id is {@code id} ({@link Grant.Kind#SHARE}), or empty when it is revoked,
         * expired or unknown. The gate registers this as the share kind's {@link Grants.Lookup}.
         */
        default Optional<Grant> grant(String id) {
            return Optional.empty();
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
        this.grants = new Grants(id -> rules.get().credentials().byId(id).map(c -> Grant.credential(id, c.scope())));
        this.grants.register(Grant.Kind.SHARE, shares::grant);
        // A delegated principal stands while its source credential is configured and still delegates.
        this.grants.register(Grant.Kind.DELEGATED, id -> {
            String source = Delegation.source(id);
            Credentials now = rules.get().credentials();
            return now.byId(source).filter(now::delegates)
                    .map(c -> new Grant(Grant.Kind.DELEGATED, id, new Grant.Ref(Grant.Kind.CREDENTIAL, source), Scope.ADMIN, Optional.empty()));
        });
    }

    /**
     * Applies a coordinator's {@value Delegation#HEADER} (issue 21, F3): none leaves {@code who} as it is; from a
     * credential configured to delegate, the end user it names becomes the caller, as a {@link Grant.Kind#DELEGATED}
     * principal {@code NAME/USER} capped at the asserted scope (and, on every use, at the credential's own); from
     * anything else (another credential, a ticket, a share link, a delegated principal) it is refused, 400 when
     * malformed and 403 otherwise, and audited ({@code delegation_refused}).
     */
    public Authentication delegate(Identity who, String header, Facts facts) {
        if (header == null) {
            return new Authentication.Authenticated(who);
        }
        Guardrails guard = rules.get().guard();
        Credentials now = rules.get().credentials();
        Optional<Delegation.Assertion> a = Delegation.parse(header);
        String refusal = null;
        int status = 403;
        if (a.isEmpty()) {
            status = 400;
            refusal = Delegation.HEADER + " must be USER; scope=read|chat|admin";
        } else if (who.grant().kind() != Grant.Kind.CREDENTIAL || now.byId(who.grant().id()).filter(now::delegates).isEmpty()) {
            refusal = "this credential may not act on behalf of others (" + Delegation.HEADER + "); a coordinator's credential "
                    + "needs delegate: true at this front";
        }
        Optional<Scope> own = grants.effective(who.grant());
        if (refusal == null && own.isEmpty()) {
            refusal = "the delegating credential was removed";
        }
        if (refusal != null) {
            events.denied(facts.kind(), "delegation");
            guard.audit().event("delegation_refused").with("credential", who.name()).with("peer", facts.address())
                    .with("method", facts.method()).with("path", facts.path()).with("via", who.via()).with("outcome", "denied")
                    .with("reason", status == 400 ? "malformed" : "not a delegating credential").write();
            return new Authentication.Refused(status, status == 400 ? "invalid_delegation" : "delegation_not_allowed", refusal);
        }
        Scope cap = Grants.min(a.get().scope(), own.get());
        Grant g = new Grant(Grant.Kind.DELEGATED, Delegation.id(who.grant().id(), a.get().user()), who.grant().ref(), cap, Optional.empty());
        return new Authentication.Authenticated(new Identity(who.name() + "/" + a.get().user(), cap, who.via() + "+on-behalf", Optional.empty(), g));
    }

    /**
     * Turns a paired device's token into its identity (docs/pairing.md); registered with {@link #acceptDevices}. The
     * identity's grant is a {@link Grant.Kind#DEVICE} grant whose source is its pairer; the Gate derives its scope.
     */
    public interface DeviceResolver {
        /** Returns the identity of the device whose token this is, noting {@code address} as last seen; counts nothing. */
        Optional<Identity> resolve(String token, String address);

        /** Returns true for the token of a device since revoked: not a guess, so not counted towards the lockout. */
        default boolean wasPaired(String token) {
            return false;
        }

        /** No paired devices. */
        DeviceResolver NONE = (token, address) -> Optional.empty();
    }

    /** Accepts paired devices' tokens as credentials from now on (set once, at start, by the composition root). */
    public void acceptDevices(DeviceResolver resolver) {
        this.devices = resolver;
    }

    /** Returns the grant resolver: register the lookups of other grant kinds here ({@link Grants#register}). */
    public Grants grants() {
        return grants;
    }

    /**
     * Returns what {@code who} may do now: its grant's effective scope in the current configuration generation,
     * or empty when its source (or the grant itself) is gone.
     */
    public Optional<Scope> effective(Identity who) {
        return grants.effective(who.grant());
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
            boolean[] orphan = new boolean[1];
            Optional<Identity> who = check(now.credentials(), c, orphan, address);
            if (who.isPresent()) {
                found = who.get();
            } else if (c instanceof Carrier.ProxyUser) {
                // The trusted proxy vouches for the name; an unknown user is not a guess, and counting it would lock
                // out the proxy's address (every user behind it) after a few strangers.
                events.authFailed(Carrier.kind(c));
                guard.audit().event("auth_failed").with("peer", address).with("method", facts.method()).with("path", facts.path())
                        .with("via", "identity").with("identity", ((Carrier.ProxyUser) c).login()).with("outcome", "denied")
                        .with("reason", "no credential has this identity").write();
            } else if (orphan[0] || (c instanceof Carrier.Share s && shares.wasMinted(s.value()))) {
                // A dead link or ticket of ours (revoked, expired, its agent ended, or its source removed or narrowed
                // out), not a guess: refused (4401) and audited, never counted towards the lockout.
                events.authFailed(Carrier.kind(c));
                guard.audit().event("auth_failed").with("peer", address).with("method", facts.method()).with("path", facts.path())
                        .with("via", c instanceof Carrier.Share ? "share" : c instanceof Carrier.Token ? "device" : "ticket").with("outcome", "denied")
                        .with("reason", c instanceof Carrier.Token ? "device revoked, or the credential that paired it removed"
                                : orphan[0] ? "the credential it was granted by was removed" : "share link revoked, expired or its agent ended")
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

    /** Checks one carrier; sets {@code orphan[0]} for a ticket or link of ours whose source is gone. */
    private Optional<Identity> check(Credentials credentials, Carrier c, boolean[] orphan, String address) {
        if (c instanceof Carrier.Token t) {
            Optional<Identity> configured = credentials.matchToken(t.value()).map(cr -> identity(credentials, cr, t.via()));
            if (configured.isPresent()) {
                return configured;
            }
            // A paired device: its scope is derived now (its pairer may have been narrowed or removed since).
            Optional<Identity> d = devices.resolve(t.value(), address);
            Optional<Scope> s = d.flatMap(this::current);
            orphan[0] = (d.isPresent() && s.isEmpty()) || (d.isEmpty() && devices.wasPaired(t.value()));
            return s.map(x -> new Identity(d.get().name(), x, "device:" + t.via(), d.get().agent(), d.get().grant()));
        }
        if (c instanceof Carrier.Basic b) {
            return credentials.matchBasic(b.user(), b.password()).map(cr -> identity(credentials, cr, "basic"));
        }
        if (c instanceof Carrier.ProxyUser u) {
            // The login is not a secret; it rides in via so that audit lines name the person, not only the credential.
            return credentials.matchLogin(u.login()).map(cr -> identity(credentials, cr, "identity:" + u.login().strip()));
        }
        if (c instanceof Carrier.Ticket t) {
            Optional<Identity> i = tickets.consume(t.value());
            Optional<Scope> s = i.flatMap(this::current);
            orphan[0] = i.isPresent() && s.isEmpty();
            return s.map(x -> new Identity(i.get().name(), x, "ticket:" + t.via(), i.get().agent(), i.get().grant()));
        }
        if (c instanceof Carrier.Share sh) {
            Optional<Identity> i = shares.resolve(sh.value());
            Optional<Scope> s = i.flatMap(this::current);
            orphan[0] = i.isPresent() && s.isEmpty();
            return s.map(x -> new Identity(i.get().name(), x, i.get().via(), i.get().agent(), i.get().grant()));
        }
        return Optional.empty();
    }

    /** Returns {@code i}'s effective scope now, or empty when its source is gone. */
    private Optional<Scope> current(Identity i) {
        return grants.effective(i.grant());
    }

    private static Identity identity(Credentials all, Credential c, String via) {
        return Identity.of(c.name(), c.scope(), via, Grant.credential(all.idOf(c), c.scope()));
    }

    /**
     * Counts a failed presentation of a secret the Gate does not check itself (a pairing code) towards
     * {@code address}'s lockout, audited as {@code auth_failed} (and {@code lockout} when it locks).
     */
    public void failed(String address, Facts facts) {
        events.authFailed("pairing_code");
        fail(rules.get().guard(), address, facts);
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
        Optional<Scope> now = grants.effective(who.grant());
        if (now.isEmpty() || !now.get().covers(need)) {
            String reason = now.isEmpty() ? "denied: the credential this was granted by was removed, or the grant was revoked or expired"
                    : "needs the " + need.label() + " scope; this credential has " + now.get().label();
            events.denied(facts.kind(), boundedMethod(guard, facts));
            guard.audit().event(facts.kind() + "_denied").with("credential", who.name()).with("peer", facts.address())
                    .with("method", facts.method()).with("path", facts.path()).with("session_id", facts.sessionId())
                    .with("via", who.via()).with("outcome", "denied")
                    .with("reason", now.isEmpty() ? "grant source gone" : "needs " + need.label()).write();
            return new Decision.Denied(need, now.orElse(Scope.METRICS), reason);
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
                    .with("scope", now.get().label()).with("via", who.via()).with("outcome", "allowed").write();
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
