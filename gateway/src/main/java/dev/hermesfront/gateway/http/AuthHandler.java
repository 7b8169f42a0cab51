package dev.hermesfront.gateway.http;

import dev.hermesfront.gateway.policy.Guardrails;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Deque;
import java.util.Optional;

/**
 * The front's one authentication layer. Accepts a token credential as {@code Authorization: Bearer T},
 * {@code X-Hermes-Session-Token: T} (the desktop app), or {@code ?token=T} on WebSocket upgrades only, and
 * a Basic user as {@code Authorization: Basic …}. A request passes when any credential it presents is
 * valid; it then carries a {@link Principal}. Otherwise 401 with a JSON body and
 * {@code WWW-Authenticate} (Bearer, plus Basic when Basic users exist). Comparisons are constant-time
 * ({@link Credentials}); credentials are never logged.
 */
public final class AuthHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(AuthHandler.class.getName());
    /** Header the Hermes desktop app and dashboard SPA send their token in. */
    public static final HttpString SESSION_TOKEN = new HttpString("X-Hermes-Session-Token");

    private final Credentials credentials;
    private final Guardrails guard;
    private final HttpHandler next;

    public AuthHandler(Credentials credentials, Guardrails guard, HttpHandler next) {
        this.credentials = credentials;
        this.guard = guard;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        Optional<Principal> who = authenticate(ex);
        if (who.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "401 for {0} {1} from {2}", ex.getRequestMethod(), ex.getRequestPath(),
                    ex.getSourceAddress());
            if (presentsCredential(ex)) {
                String peer = ex.getSourceAddress().getAddress().getHostAddress();
                boolean locked = guard.failures().fail(peer);
                guard.audit().event("auth_failed").with("peer", peer).with("method", ex.getRequestMethod())
                        .with("path", ex.getRequestPath()).with("outcome", "denied").write();
                if (locked) {
                    guard.audit().event("lockout").with("peer", peer).with("outcome", "locked").write();
                }
            }
            ex.getResponseHeaders().add(Headers.WWW_AUTHENTICATE, "Bearer realm=\"hermes-front\"");
            if (credentials.hasBasic()) {
                ex.getResponseHeaders().add(Headers.WWW_AUTHENTICATE, "Basic realm=\"hermes-front\", charset=\"UTF-8\"");
            }
            ErrorResponses.send(ex, 401, "unauthorized",
                    "missing or invalid credentials: send Authorization: Bearer TOKEN, X-Hermes-Session-Token, or Basic",
                    "invalid_request_error");
            return;
        }
        ex.putAttachment(Principal.KEY, who.get());
        next.handleRequest(ex);
    }

    /** Returns true when the request carries any credential at all (a wrong one counts towards lockout). */
    private static boolean presentsCredential(HttpServerExchange ex) {
        return ex.getRequestHeaders().contains(Headers.AUTHORIZATION) || ex.getRequestHeaders().contains(SESSION_TOKEN)
                || ex.getQueryParameters().containsKey("token");
    }

    /** Returns the principal of the first valid credential the request presents. */
    Optional<Principal> authenticate(HttpServerExchange ex) {
        HeaderValues auth = ex.getRequestHeaders().get(Headers.AUTHORIZATION);
        if (auth != null) {
            for (String value : auth) {
                Optional<Principal> p = fromAuthorization(value.strip());
                if (p.isPresent()) {
                    return p;
                }
            }
        }
        HeaderValues session = ex.getRequestHeaders().get(SESSION_TOKEN);
        if (session != null) {
            for (String value : session) {
                Optional<Credential> c = credentials.matchToken(value.strip());
                if (c.isPresent()) {
                    return Optional.of(principal(c.get(), "session-token"));
                }
            }
        }
        String upgrade = ex.getRequestHeaders().getFirst(Headers.UPGRADE);
        if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
            Deque<String> tokens = ex.getQueryParameters().get("token");
            if (tokens != null && tokens.size() == 1) {
                Optional<Credential> c = credentials.matchToken(tokens.getFirst());
                if (c.isPresent()) {
                    return Optional.of(principal(c.get(), "query"));
                }
            }
        }
        return Optional.empty();
    }

    private Optional<Principal> fromAuthorization(String value) {
        int sp = value.indexOf(' ');
        if (sp <= 0) {
            return Optional.empty();
        }
        String scheme = value.substring(0, sp);
        String rest = value.substring(sp + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return credentials.matchToken(rest).map(c -> principal(c, "bearer"));
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(rest), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            return credentials.matchBasic(decoded.substring(0, colon), decoded.substring(colon + 1)).map(c -> principal(c, "basic"));
        }
        return Optional.empty();
    }

    private static Principal principal(Credential c, String via) {
        return new Principal(c.name(), c.scope(), via);
    }
}
