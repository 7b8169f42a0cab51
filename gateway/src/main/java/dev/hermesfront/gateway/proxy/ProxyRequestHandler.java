package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ChunkedBodyHandler;
import dev.hermesfront.gateway.http.CredentialCarriers;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Delegation;
import io.undertow.io.IoCallback;
import io.undertow.io.Receiver;
import io.undertow.io.Sender;
import io.undertow.server.Connectors;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.protocol.http.HttpContinue;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.ImmediatePooledByteBuffer;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.xnio.IoUtils;

/**
 * Prepares an authenticated request for the loopback hop, then hands it to the {@link
 * io.undertow.server.handlers.proxy.ProxyHandler} (rest-surface.md §6.2–6.3): drops hop-by-hop headers
 * (keeping the WebSocket upgrade pair), every client credential ({@code Authorization},
 * {@code X-Hermes-Session-Token}, {@code Proxy-Authorization}, the {@code token} query parameter) and
 * client-supplied forwarding headers; sets {@code X-Real-IP} to the peer; then injects the inner
 * credential: {@code Authorization: Bearer KEY} for the API server, {@code X-Hermes-Session-Token} (and
 * {@code ?token=} on sockets) for the dashboard. {@code Origin} is dropped for the API server (CORS is
 * done at the front) and replaced by the dashboard's own origin for the dashboard. The ProxyHandler
 * rewrites {@code Host} to the upstream's address and sets {@code X-Forwarded-*}. A chunked request
 * body is read in full and checked before the upstream is asked ({@link #bufferThenProxy}). Dashboard
 * requests go without {@code Accept-Encoding}, and the token in its pages is replaced
 * ({@link HtmlTokenScrubber}).
 */
public final class ProxyRequestHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(ProxyRequestHandler.class.getName());
    private static final HttpString X_REAL_IP = new HttpString("X-Real-IP");
    private static final HttpString KEEP_ALIVE = new HttpString("Keep-Alive");
    private static final HttpString PROXY_CONNECTION = new HttpString("Proxy-Connection");
    private static final HttpString PROXY_AUTHORIZATION = new HttpString("Proxy-Authorization");
    private static final HttpString PROXY_AUTHENTICATE = new HttpString("Proxy-Authenticate");
    private static final HttpString X_FORWARDED_PREFIX = new HttpString("X-Forwarded-Prefix");
    private static final HttpString FORWARDED = new HttpString("Forwarded");
    /** Request header that selects a peer on a coordinator; response header naming the peer that answered. */
    public static final HttpString PEER_HEADER = new HttpString("X-Hermes-Peer");
    /** A coordinator's end user ({@link Delegation#HEADER}): removed from every hop, set by the front on a peer's. */
    static final HttpString ON_BEHALF = new HttpString(Delegation.HEADER);
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
        if (inner.current().isEmpty() && !ex.isDispatched()) {
            CompletionStage<Void> known = inner.known();
            if (!known.toCompletableFuture().isDone()) {
                // The inner credential is still being learned (the dashboard's page, right after start): wait for it
                // without a thread instead of sending the request without one, then carry on on the IO thread.
                ex.dispatch(SameThreadExecutor.INSTANCE, () -> known.whenComplete((v, err) ->
                        ex.getIoThread().execute(() -> Connectors.executeRootHandler(this::proceed, ex))));
                return;
            }
        }
        proceed(ex);
    }

    private void proceed(HttpServerExchange ex) throws Exception {
        HeaderMap h = ex.getRequestHeaders();
        boolean upgrade = isWebSocketUpgrade(h);
        boolean chunkedBody = h.contains(Headers.TRANSFER_ENCODING) && !ex.isRequestComplete() && !upgrade;
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
        h.remove(ON_BEHALF);
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
            // ...plus who it acts for: the peer acts as that user (if it lets our credential delegate), never as us.
            String onBehalf = ex.getAttachment(AccessHandler.ON_BEHALF);
            if (onBehalf == null) {
                // No authorized caller (its grant went between the check and here): never relay as the coordinator itself.
                ErrorResponses.send(ex, 403, "forbidden", "no caller to act for at the peer");
                return;
            }
            h.put(ON_BEHALF, onBehalf);
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
            // The page is rewritten to hide the token (HtmlTokenScrubber); a compressed page could not be.
            h.remove(Headers.ACCEPT_ENCODING);
        }
        ex.setQueryString(rewriteToken(ex.getQueryString(), token));
        // The route matched a prefix; the upstream gets the full original path, so undo the PathHandler's split.
        ex.setRelativePath(ex.getRequestPath());
        ex.setResolvedPath("");
        UpstreamExchange state = new UpstreamExchange(ex, config, kind, label, events);
        if (kind == UpstreamKind.DASHBOARD) {
            // Added before the state's wrapper, so it runs after it, once the answer is known to be the upstream's.
            ex.addResponseWrapper(HtmlTokenScrubber.wrapper(inner, state::relaying));
        }
        state.install();
        if (chunkedBody) {
            bufferThenProxy(ex, state);
            return;
        }
        proxy.handleRequest(ex);
    }

    /**
     * Reads a chunked request body in full (bounded by the body limit) before the upstream hears of the
     * request, then forwards it with a {@code Content-Length}: a malformed body ({@link ChunkedBodyHandler})
     * gets our 400 and never reaches the upstream, not even as an aborted request (issue 11); re-framing
     * also leaves the upstream no chunk syntax of ours to disagree with. Bodies with a Content-Length stream.
     */
    private void bufferThenProxy(HttpServerExchange ex, UpstreamExchange state) {
        if (HttpContinue.requiresContinueResponse(ex)) {
            // We answer the client's 100-continue ourselves; the upstream gets a complete request.
            ex.getRequestHeaders().remove(Headers.EXPECT);
            HttpContinue.sendContinueResponse(ex, new IoCallback() {
                @Override
                public void onComplete(HttpServerExchange e, Sender sender) {
                    receive(e, state);
                }

                @Override
                public void onException(HttpServerExchange e, Sender sender, IOException failure) {
                    bodyFailed(e, state, failure);
                }
            });
            return;
        }
        receive(ex, state);
    }

    private void receive(HttpServerExchange ex, UpstreamExchange state) {
        ex.getRequestReceiver().receiveFullBytes((e, body) -> {
            if (body.length > 0) {
                Connectors.ungetRequestBytes(e, new ImmediatePooledByteBuffer(ByteBuffer.wrap(body)));
            }
            Connectors.resetRequestChannel(e);
            e.getRequestHeaders().put(Headers.CONTENT_LENGTH, body.length);
            try {
                proxy.handleRequest(e);
            } catch (Exception failure) {
                throw new IllegalStateException(failure);
            }
        }, (e, failure) -> bodyFailed(e, state, failure));
    }

    private void bodyFailed(HttpServerExchange ex, UpstreamExchange state, IOException failure) {
        ex.setPersistent(false);
        if (ChunkedBodyHandler.isMalformedBody(failure) && state.answerInstead()) {
            LOG.log(System.Logger.Level.DEBUG, "400 for {0} {1}: {2}", ex.getRequestMethod(), ex.getRequestPath(), failure.getMessage());
            ErrorResponses.send(ex, 400, "invalid_body", failure.getMessage(), "invalid_request_error");
        } else if (isTooLarge(failure) && state.answerInstead()) {
            ErrorResponses.send(ex, 413, "body_too_large", "Request body too large (limit " + ex.getMaxEntitySize() + " bytes)",
                    "invalid_request_error");
        } else {
            LOG.log(System.Logger.Level.DEBUG, "client connection failed during the request body of {0} {1}: {2}",
                    ex.getRequestMethod(), ex.getRequestPath(), failure.toString());
            IoUtils.safeClose(ex.getConnection());
        }
    }

    private static boolean isTooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RequestTooBigException || t instanceof Receiver.RequestToLargeException) {
                return true;
            }
        }
        return false;
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
