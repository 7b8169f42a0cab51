package dev.hermesfront.gateway.ws;

import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.CredentialCarriers;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.ws.raw.RawWsConnection;
import dev.hermesfront.gateway.ws.raw.WsFrames;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code /api/ws} upgrade for {@code tui.ws_engine = raw}: after the same handler chain as the Jakarta engine
 * (Host and Origin guards, connection caps, {@code TuiHandshakeHandler}'s authentication, which leaves the identity
 * on the exchange), it checks the WebSocket request itself (GET, version 13 (426 otherwise), a key (400)), selects
 * {@code hermes-gateway-v1} when offered (the only subprotocol, as the Jakarta endpoint's configuration), negotiates
 * no extension, answers 101 and takes the socket: a server-side {@link RawWsConnection} carrying a
 * {@link RawClientConnection}, whose endpoint logic is {@link TuiEndpoint}'s, run on a worker. Paths: {@code /api/ws}
 * and {@code /peers/NAME/api/ws} (404 otherwise).
 */
public final class RawTuiUpgrade implements HttpHandler {
    private static final Pattern PEER_PATH = Pattern.compile("/peers/([^/]+)/api/ws");
    /** Time a client has to answer our close frame. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final TuiChannel ch;
    private final ByteBufferPool buffers;

    RawTuiUpgrade(TuiChannel ch, ByteBufferPool buffers) {
        this.ch = ch;
        this.buffers = buffers;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) {
        Map<String, String> path = new HashMap<>();
        String p = ex.getRequestPath();
        Matcher m = PEER_PATH.matcher(p);
        if (m.matches()) {
            path.put("name", m.group(1));
        } else if (!"/api/ws".equals(p)) {
            ErrorResponses.send(ex, 404, "not_found", "no WebSocket endpoint at this path");
            return;
        }
        if (!Methods.GET.equals(ex.getRequestMethod())) {
            ErrorResponses.send(ex, 405, "method_not_allowed", "a WebSocket upgrade is a GET");
            return;
        }
        if (!"13".equals(ex.getRequestHeaders().getFirst(Headers.SEC_WEB_SOCKET_VERSION))) {
            ex.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_VERSION, "13");
            ErrorResponses.send(ex, 426, "upgrade_required", "WebSocket version 13 only");
            return;
        }
        String key = ex.getRequestHeaders().getFirst(Headers.SEC_WEB_SOCKET_KEY);
        if (key == null || key.isBlank()) {
            ErrorResponses.send(ex, 400, "bad_request", "no Sec-WebSocket-Key");
            return;
        }
        if (offers(ex, CredentialCarriers.SUBPROTOCOL)) {
            ex.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_PROTOCOL, CredentialCarriers.SUBPROTOCOL);
        }
        Identity who = ex.getAttachment(AccessHandler.IDENTITY);
        Map<String, List<String>> query = new HashMap<>();
        for (Map.Entry<String, Deque<String>> e : ex.getQueryParameters().entrySet()) {
            query.put(e.getKey(), List.copyOf(new ArrayList<>(e.getValue())));
        }
        InetSocketAddress peer = ex.getSourceAddress();
        ex.getResponseHeaders().put(Headers.UPGRADE, "websocket");
        ex.getResponseHeaders().put(Headers.CONNECTION, "Upgrade");
        ex.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_ACCEPT, WsFrames.acceptKey(key.trim()));
        ex.upgradeChannel((connection, exchange) -> {
            RawWsConnection ws = new RawWsConnection(connection, buffers, false, ByteBuffer.allocate(0));
            TuiEndpoint endpoint = new TuiEndpoint(ch);
            RawClientConnection client = new RawClientConnection(ws, who, path, query, peer, connection.getWorker(), endpoint::closed);
            client.dispatch(() -> endpoint.open(client));
            ws.start(client, ch.config().limits().maxMessageBytes(), 0, CLOSE_GRACE);
        });
        ex.setStatusCode(101);
        ex.endExchange();
    }

    private static boolean offers(HttpServerExchange ex, String subprotocol) {
        io.undertow.util.HeaderValues offered = ex.getRequestHeaders().get(Headers.SEC_WEB_SOCKET_PROTOCOL);
        if (offered == null) {
            return false;
        }
        for (String v : offered) {
            for (String s : v.split(",")) {
                if (s.trim().equals(subprotocol)) {
                    return true;
                }
            }
        }
        return false;
    }
}
