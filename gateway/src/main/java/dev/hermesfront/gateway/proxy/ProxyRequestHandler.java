package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.http.CredentialCarriers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Prepares an authenticated request for the loopback hop, then hands it to the {@link
 * io.undertow.server.handlers.proxy.ProxyHandler} (rest-surface.md §6.2–6.3): drops hop-by-hop headers
 * (keeping the WebSocket upgrade pair), every client credential ({@code Authorization},
 * {@code X-Hermes-Session-Token}, {@code Proxy-Authorization}, the {@code token} query parameter) and
 * client-supplied forwarding headers; sets {@code X-Real-IP} to the peer; then injects the inner
 * credential: {@code Authorization: Bearer KEY} for the API server, {@code X-Hermes-Session-Token} (and
 * {@code ?token=} on sockets) for the dashboard. {@code Origin} is dropped for the API server (CORS is
 * done at the front) and replaced by the dashboard's own origin for the dashboard. The ProxyHandler
 * rewrites {@code Host} to the upstream's address and sets {@code X-Forwarded-*}.
 */
public final class ProxyRequestHandler implements HttpHandler {
    private static final HttpString X_REAL_IP = new HttpString("X-Real-IP");
    private static final HttpString KEEP_ALIVE = new HttpString("Keep-Alive");
    private static final HttpString PROXY_CONNECTION = new HttpString("Proxy-Connection");
    private static final HttpString PROXY_AUTHORIZATION = new HttpString("Proxy-Authorization");
    private static final HttpString PROXY_AUTHENTICATE = new HttpString("Proxy-Authenticate");
    private static final HttpString X_FORWARDED_PREFIX = new HttpString("X-Forwarded-Prefix");
    private static final HttpString FORWARDED = new HttpString("Forwarded");
    /** Request header that selects a peer on a coordinator; response header naming the peer that answered. */
    public static final HttpString PEER_HEADER = new HttpString("X-Hermes-Peer");
    private static final List<HttpString> HOP_BY_HOP = List.of(KEEP_ALIVE, PROXY_CONNECTION, PROXY_AUTHENTICATE,
            PROXY_AUTHORIZATION, Headers.TE, Headers.TRAILER, Headers.TRANSFER_ENCODING);

    private final UpstreamKind kind;
    private final UpstreamConfig config;
    private final InnerCredential inner;
    private final HttpHandler proxy;
    private final String label;
    private final UpstreamEvents events;

    ProxyRequestHandler(UpstreamKind kind, UpstreamConfig config, InnerCredential inner, HttpHandler proxy) {
        this(kind, config, inner, proxy, kind.label(), UpstreamEvents.NONE);
    }

    ProxyRequestHandler(UpstreamKind kind, UpstreamConfig config, InnerCredential inner, HttpHandler proxy, String label,
                        UpstreamEvents events) {
        this.kind = kind;
        this.config = config;
        this.inner = inner;
        this.proxy = proxy;
        this.label = label;
        this.events = events;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        HeaderMap h = ex.getRequestHeaders();
        boolean upgrade = isWebSocketUpgrade(h);
        if (connectionTokens(h).contains("close")) {
            // Undertow only recognises an exact "Connection: close"; honour it inside a list too, before it is stripped.
            ex.setPersistent(false);
        }
        stripHopByHop(h, upgrade);
        h.remove(Headers.AUTHORIZATION);
        h.remove(CredentialCarriers.SESSION_TOKEN);
        h.remove(X_FORWARDED_PREFIX);
        h.remove(FORWARDED);
        h.remove(Headers.X_FORWARDED_HOST);
        h.put(X_REAL_IP, ((InetSocketAddress) ex.getSourceAddress()).getAddress().getHostAddress());
        Optional<String> credential = inner.current();
        String token = null;
        if (kind == UpstreamKind.API) {
            h.remove(Headers.ORIGIN);
            h.remove(Headers.COOKIE);
            credential.ifPresent(k -> h.put(Headers.AUTHORIZATION, "Bearer " + k));
        } else if (kind == UpstreamKind.PEER) {
            // The caller authenticated here; the peer gets the coordinator's own credential for it, nothing of the caller's.
            h.remove(Headers.ORIGIN);
            h.remove(Headers.COOKIE);
            h.remove(PEER_HEADER);
            credential.ifPresent(k -> h.put(Headers.AUTHORIZATION, k));
        } else {
            if (h.contains(Headers.ORIGIN)) {
                h.put(Headers.ORIGIN, config.uri().toString());
            }
            credential.ifPresent(t -> h.put(CredentialCarriers.SESSION_TOKEN, t));
            token = credential.orElse(null);
            if (!upgrade && !hasTokenParam(ex.getQueryString())) {
                token = null;
            }
            ex.addResponseWrapper((factory, e) -> {
                if (e.getStatusCode() == 401) {
                    inner.rejected();
                }
                return factory.create();
            });
        }
        ex.setQueryString(rewriteToken(ex.getQueryString(), token));
        // The route matched a prefix; the upstream gets the full original path, so undo the PathHandler's split.
        ex.setRelativePath(ex.getRequestPath());
        ex.setResolvedPath("");
        new UpstreamExchange(ex, config, kind, label, events).install();
        proxy.handleRequest(ex);
    }

    /** The same predicate as the access check ({@link CredentialCarriers#isWebSocketUpgrade}): one decision of what is a socket. */
    static boolean isWebSocketUpgrade(HeaderMap h) {
        return CredentialCarriers.isWebSocketUpgrade(h);
    }

    static List<String> connectionTokens(HeaderMap h) {
        List<String> out = new ArrayList<>();
        HeaderValues connection = h.get(Headers.CONNECTION);
        if (connection != null) {
            for (String v : connection) {
                for (String name : v.split(",")) {
                    out.add(name.strip().toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }

    /** Removes hop-by-hop headers and any header named in {@code Connection}, keeping an upgrade pair. */
    static void stripHopByHop(HeaderMap h, boolean upgrade) {
        HeaderValues connection = h.get(Headers.CONNECTION);
        if (connection != null) {
            for (String v : new ArrayList<>(connection)) {
                for (String name : v.split(",")) {
                    String n = name.strip();
                    if (!n.isEmpty() && !(upgrade && n.equalsIgnoreCase("upgrade"))) {
                        h.remove(n);
                    }
                }
            }
        }
        HOP_BY_HOP.forEach(h::remove);
        if (upgrade) {
            h.put(Headers.CONNECTION, "Upgrade");
            h.put(Headers.UPGRADE, "websocket");
        } else {
            h.remove(Headers.CONNECTION);
            h.remove(Headers.UPGRADE);
        }
    }

    /** Drops every {@code token} parameter and, when {@code token} is not null, appends {@code token=<it>}. */
    static String rewriteToken(String query, String token) {
        StringBuilder b = new StringBuilder();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty() || isToken(pair)) {
                    continue;
                }
                if (b.length() > 0) {
                    b.append('&');
                }
                b.append(pair);
            }
        }
        if (token != null) {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append("token=").append(URLEncoder.encode(token, StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    static boolean hasTokenParam(String query) {
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            if (isToken(pair)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isToken(String pair) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        try {
            name = URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return name.toLowerCase(Locale.ROOT).equals("token");
    }
}
