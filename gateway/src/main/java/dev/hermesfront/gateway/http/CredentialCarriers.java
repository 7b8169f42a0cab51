package dev.hermesfront.gateway.http;

import dev.hermesfront.gateway.policy.Carrier;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;

/**
 * Reads every credential a request presents, wherever it is: each {@code Authorization} value (Bearer or
 * Basic; anything else counts as a wrong credential), each {@code X-Hermes-Session-Token}, and on WebSocket
 * upgrades each {@code ?token=}. On the front's own {@code /api/ws} also {@code ?ticket=}, {@code ?share=}
 * and the subprotocol pair {@code hermes-gateway-v1} + {@code hermes-gateway-ticket.T} (tui-wire-current.md
 * §9), or {@code hermes-gateway-v1} + {@code hermes-gateway-share.S}: how the web page presents a share token
 * without putting it in a URL. The dashboard page's placeholder token ({@link #DASHBOARD_PLACEHOLDER}, which
 * the front writes into the page instead of the real one) is not a credential and is skipped. A user named by a
 * trusted proxy ({@link ProxyIdentityHandler}) counts as one more credential.
 */
public final class CredentialCarriers {
    /** Header the Hermes desktop app and dashboard SPA send their token in. */
    public static final HttpString SESSION_TOKEN = new HttpString("X-Hermes-Session-Token");
    /**
     * What the front puts in the dashboard's page where the dashboard's own session token was; the SPA then
     * sends it back, and the front replaces it with the real token on the loopback hop. Not a secret.
     */
    public static final String DASHBOARD_PLACEHOLDER = "hermes-front-dashboard";
    /** The subprotocol a ticket rides with; the only one the front selects. */
    public static final String SUBPROTOCOL = "hermes-gateway-v1";
    /** Prefix of the subprotocol entry that carries a ticket. */
    public static final String TICKET_SUBPROTOCOL_PREFIX = "hermes-gateway-ticket.";
    /** Prefix of the subprotocol entry that carries a share token (the web page's way; the TUI uses {@code ?share=}). */
    public static final String SHARE_SUBPROTOCOL_PREFIX = "hermes-gateway-share.";

    /** The identity a trusted proxy's header named ({@link ProxyIdentityHandler}); absent otherwise. */
    public static final io.undertow.util.AttachmentKey<Carrier> PROXY_USER = io.undertow.util.AttachmentKey.create(Carrier.class);

    private CredentialCarriers() {}

    /**
     * Returns the credentials {@code ex} presents.
     *
     * @param tuiChannel true on the front's own {@code /api/ws}: tickets and share tokens count there only
     */
    public static List<Carrier> from(HttpServerExchange ex, boolean tuiChannel) {
        List<Carrier> out = new ArrayList<>(1);
        Carrier proxied = ex.getAttachment(PROXY_USER);
        if (proxied != null) {
            out.add(proxied);
        }
        HeaderValues auth = ex.getRequestHeaders().get(Headers.AUTHORIZATION);
        if (auth != null) {
            for (String v : auth) {
                Carrier c = fromAuthorization(v.strip());
                if (c != null) {
                    out.add(c);
                }
            }
        }
        HeaderValues session = ex.getRequestHeaders().get(SESSION_TOKEN);
        if (session != null) {
            for (String v : session) {
                if (!v.strip().equals(DASHBOARD_PLACEHOLDER)) {
                    out.add(new Carrier.Token(v.strip(), "session-token"));
                }
            }
        }
        if (isUpgrade(ex)) {
            for (String v : params(ex, "token")) {
                if (!v.equals(DASHBOARD_PLACEHOLDER)) {
                    out.add(new Carrier.Token(v, "query"));
                }
            }
            if (tuiChannel) {
                params(ex, "ticket").forEach(v -> out.add(new Carrier.Ticket(v, "query")));
                params(ex, "share").forEach(v -> out.add(new Carrier.Share(v)));
                Carrier sub = fromSubprotocols(ex.getRequestHeaders().get(Headers.SEC_WEB_SOCKET_PROTOCOL));
                if (sub != null) {
                    out.add(sub);
                }
            }
        }
        return out;
    }

    /**
     * Returns true when the request asks for a WebSocket: an {@code Upgrade} header naming {@code websocket}
     * among its protocols, in any case. The one predicate both the access check and the proxy use, so a
     * request the proxy would upgrade is always decided as a socket (an {@code h2c} upgrade, which the JDK
     * client offers on every plain request, is not one: the proxy drops it).
     */
    public static boolean isUpgrade(HttpServerExchange ex) {
        return isWebSocketUpgrade(ex.getRequestHeaders());
    }

    /** As {@link #isUpgrade(HttpServerExchange)}, on request headers. */
    public static boolean isWebSocketUpgrade(io.undertow.util.HeaderMap headers) {
        HeaderValues up = headers.get(Headers.UPGRADE);
        if (up == null) {
            return false;
        }
        for (String v : up) {
            for (String p : v.split(",")) {
                if (p.strip().equalsIgnoreCase("websocket")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<String> params(HttpServerExchange ex, String name) {
        Deque<String> v = ex.getQueryParameters().get(name);
        return v == null ? List.of() : List.copyOf(v);
    }

    private static Carrier fromAuthorization(String value) {
        int sp = value.indexOf(' ');
        String scheme = sp <= 0 ? value : value.substring(0, sp);
        String rest = sp <= 0 ? "" : value.substring(sp + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return rest.equals(DASHBOARD_PLACEHOLDER) ? null : new Carrier.Token(rest, "bearer");
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(rest), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return new Carrier.Malformed("basic");
            }
            int colon = decoded.indexOf(':');
            return colon <= 0 ? new Carrier.Malformed("basic") : new Carrier.Basic(decoded.substring(0, colon), decoded.substring(colon + 1));
        }
        return new Carrier.Malformed("authorization");
    }

    /**
     * The credential subprotocols: unused when no entry starts with {@code hermes-gateway-ticket.} or
     * {@code hermes-gateway-share.}; valid only as exactly one such entry, not empty, beside
     * {@code hermes-gateway-v1}, in any order; anything else is a wrong credential ({@code ticket_invalid}
     * upstream).
     */
    private static Carrier fromSubprotocols(HeaderValues values) {
        if (values == null) {
            return null;
        }
        List<Carrier> found = new ArrayList<>();
        boolean v1 = false;
        boolean empty = false;
        for (String header : values) {
            for (String entry : header.split(",")) {
                String e = entry.strip();
                if (e.startsWith(TICKET_SUBPROTOCOL_PREFIX)) {
                    String t = e.substring(TICKET_SUBPROTOCOL_PREFIX.length());
                    empty |= t.isEmpty();
                    found.add(new Carrier.Ticket(t, "subprotocol"));
                } else if (e.startsWith(SHARE_SUBPROTOCOL_PREFIX)) {
                    String t = e.substring(SHARE_SUBPROTOCOL_PREFIX.length());
                    empty |= t.isEmpty();
                    found.add(new Carrier.Share(t));
                } else if (e.equals(SUBPROTOCOL)) {
                    v1 = true;
                }
            }
        }
        if (found.isEmpty()) {
            return null;
        }
        if (!v1 || found.size() != 1 || empty) {
            return new Carrier.Malformed("subprotocol");
        }
        return found.get(0);
    }
}
