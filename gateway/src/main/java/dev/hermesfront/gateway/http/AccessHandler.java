package dev.hermesfront.gateway.http;

import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.policy.Decision;
import dev.hermesfront.gateway.policy.Delegation;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Identity;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;

/**
 * Renders the {@link Gate}'s decision for a route the front proxies or serves itself over REST:
 * authenticates the one credential the request presents (401 when missing or wrong, with
 * {@code WWW-Authenticate}; 400 when it presents several), then asks whether that identity may make this
 * call (403 {@code forbidden} naming the scope needed, 429 {@code rate_limited} with {@code Retry-After}).
 *
 * <p>What a call needs: a request with an {@code Upgrade} header (whatever its value) is a socket and needs
 * what the {@code sockets} table says for its path (admin unless listed: {@code /api/pty} is a shell); any
 * other request needs what the {@code rest} table says for its method and path. A request for a peer
 * ({@code /peers/NAME/PATH}) needs the stricter of the rule for its path here and the rule for PATH. The
 * paths are the normalized ones ({@link PathNormalizer}), the same the router and the proxy use.
 */
public final class AccessHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(AccessHandler.class.getName());
    /** The identity of an authenticated request. */
    public static final AttachmentKey<Identity> IDENTITY = AttachmentKey.create(Identity.class);
    /**
     * What a coordinator tells a peer it relays this request to: the caller and its effective scope here
     * ({@link Delegation#header}); set once the request is authorized.
     */
    public static final AttachmentKey<String> ON_BEHALF = AttachmentKey.create(String.class);
    /** The peer's own path of a {@code /peers/NAME/...} request; set by peer selection, before this handler. */
    public static final AttachmentKey<String> PEER_PATH = AttachmentKey.create(String.class);

    private final Gate gate;
    private final boolean basicOffered;
    private final HttpHandler next;

    /**
     * @param basicOffered whether a 401 also offers Basic (some Basic user is configured)
     */
    public AccessHandler(Gate gate, boolean basicOffered, HttpHandler next) {
        this.gate = gate;
        this.basicOffered = basicOffered;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String address = ex.getSourceAddress().getAddress().getHostAddress();
        boolean upgrade = CredentialCarriers.isUpgrade(ex);
        String method = ex.getRequestMethod().toString();
        String path = ex.getRequestPath();
        Gate.Facts facts = new Gate.Facts(upgrade ? "upgrade" : "rest", address, method, path, null);
        Gate.Authentication auth = gate.authenticate(CredentialCarriers.from(ex, false), address, facts);
        if (!(auth instanceof Gate.Authentication.Authenticated ok)) {
            if (auth instanceof Gate.Authentication.Refused r && r.status() == 400) {
                ErrorResponses.send(ex, 400, r.code(), r.message(), "invalid_request_error");
                return;
            }
            LOG.log(System.Logger.Level.DEBUG, "401 for {0} {1} from {2}", method, path, address);
            unauthorized(ex, basicOffered);
            return;
        }
        ConnectionCaps.credentialed(ex);
        // A coordinator relaying for its user (issue 21, F3): the end user, from a delegating credential only.
        Gate.Authentication as = gate.delegate(ok.who(), ex.getRequestHeaders().getFirst(Delegation.HEADER), facts);
        if (as instanceof Gate.Authentication.Refused r) {
            ErrorResponses.send(ex, r.status(), r.code(), r.message(), "invalid_request_error");
            return;
        }
        Identity who = ((Gate.Authentication.Authenticated) as).who();
        ex.putAttachment(IDENTITY, who);
        Scope need = need(ex, upgrade, method, path);
        Decision d = gate.authorize(who, need, Gate.Limit.REST, facts);
        if (d instanceof Decision.Denied denied) {
            ErrorResponses.send(ex, 403, "forbidden", (upgrade ? "a WebSocket to " : method + " ") + path + " " + denied.reason(),
                    "invalid_request_error");
            return;
        }
        if (d instanceof Decision.Limited limited) {
            long seconds = Math.max(1, (limited.retryMs() + 999) / 1000);
            ex.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(seconds));
            ErrorResponses.send(ex, 429, "rate_limited", "too many requests for this credential; retry in " + seconds + " s",
                    "invalid_request_error");
            return;
        }
        gate.effective(who).ifPresent(s -> ex.putAttachment(ON_BEHALF, Delegation.header(who, s)));
        next.handleRequest(ex);
    }

    private Scope need(HttpServerExchange ex, boolean upgrade, String method, String path) {
        Scope need = upgrade ? gate.policy().forUpgrade(path) : gate.policy().forRest(method, path);
        String peerPath = ex.getAttachment(PEER_PATH);
        if (peerPath != null) {
            Scope inner = upgrade ? gate.policy().forUpgrade(peerPath) : gate.policy().forRest(method, peerPath);
            need = inner.covers(need) ? inner : need;
        }
        return need;
    }

    /** Sends the front's 401: a JSON body and {@code WWW-Authenticate} for Bearer (and Basic when offered). */
    static void unauthorized(HttpServerExchange ex, boolean basicOffered) {
        ex.getResponseHeaders().add(Headers.WWW_AUTHENTICATE, "Bearer realm=\"hermes-front\"");
        if (basicOffered) {
            ex.getResponseHeaders().add(Headers.WWW_AUTHENTICATE, "Basic realm=\"hermes-front\", charset=\"UTF-8\"");
        }
        ErrorResponses.send(ex, 401, "unauthorized",
                "missing or invalid credentials: send one of Authorization: Bearer TOKEN, X-Hermes-Session-Token, or Basic",
                "invalid_request_error");
    }
}
