package dev.hermesfront.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.http.LogRedaction;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the page presents a share token: as the subprotocol entry {@code hermes-gateway-share.S} beside
 * {@code hermes-gateway-v1}, so it never appears in a URL; malformed offers are wrong credentials, and a
 * {@code ?share=} in a URL is redacted from the access log.
 */
class ShareCarrierTest {
    private static final String OWNER = "owner-token-0123456789";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private GatewayServer gw;
    private WsTestClient owner;

    @BeforeEach
    void start() throws Exception {
        gw = GatewayServer.builder(GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Credentials.of(List.of(new Credential.Token("laptop", Secret.of(OWNER), "chat")))),
                new DemoLauncher(json, new FrameCodec())).build().start();
        owner = WsTestClient.connect(ws("?token=" + OWNER + "&resume=new"), http);
        assertTrue(owner.next().contains("gateway.ready"));
    }

    @AfterEach
    void stop() {
        if (owner != null) {
            owner.close();
        }
        gw.close();
    }

    private URI ws(String query) {
        return URI.create("ws://127.0.0.1:" + gw.port() + "/api/ws" + query);
    }

    private HttpResponse<String> rest(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + OWNER).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Returns the next frame that is not an event (the answer to the one request in flight). */
    private static String answer(WsTestClient c) throws Exception {
        for (int i = 0; i < 20; i++) {
            String f = c.next();
            if (!f.contains("\"method\": \"event\"")) {
                return f;
            }
        }
        throw new AssertionError("no answer among 20 frames");
    }

    /** Mints a viewer link for the owner's agent; returns {agent, id, token}. */
    private JsonNode share() throws Exception {
        JsonNode agents = json.readTree(rest("GET", "/front/agents", null).body()).path("agents");
        assertEquals(1, agents.size(), agents.toString());
        String agent = agents.get(0).path("id").asText();
        HttpResponse<String> r = rest("POST", "/front/agents/" + agent + "/share", "{\"role\": \"viewer\", \"ttl\": \"10m\"}");
        assertEquals(201, r.statusCode(), r.body());
        return ((com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(r.body())).put("agent", agent);
    }

    @Test
    void aShareTokenInTheSubprotocolJoinsAsAViewerAndIsNeverEchoed() throws Exception {
        JsonNode s = share();
        String token = s.path("token").asText();
        assertTrue(token.matches("[A-Za-z0-9_-]+"), "a share token is a valid subprotocol token: " + token);
        try (WsTestClient viewer = WsTestClient.connect(ws(""), http, new String[] {"hermes-gateway-v1", "hermes-gateway-share." + token})) {
            assertEquals("hermes-gateway-v1", viewer.subprotocol(), "only hermes-gateway-v1 is selected");
            JsonNode ready = json.readTree(viewer.next());
            assertEquals("viewer", ready.path("params").path("payload").path("capabilities").path("hermes_front").path("role").asText(), ready.toString());
            viewer.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session.create\",\"params\":{}}");
            String refused = answer(viewer);
            assertTrue(refused.contains("-32003"), "a viewer may not start sessions: " + refused);
        }
        // The same token works again (a share link is not single-use) until it is revoked.
        try (WsTestClient again = WsTestClient.connect(ws(""), http, new String[] {"hermes-gateway-share." + token, "hermes-gateway-v1"})) {
            assertTrue(again.next().contains("gateway.ready"), "either order");
        }
        assertEquals(204, rest("DELETE", "/front/agents/" + s.path("agent").asText() + "/share/" + s.path("id").asText(), null).statusCode());
        try (WsTestClient revoked = WsTestClient.connect(ws(""), http, new String[] {"hermes-gateway-v1", "hermes-gateway-share." + token})) {
            assertEquals(4401, revoked.closeCode(), "a revoked link opens nothing");
        }
    }

    @Test
    void malformedShareOffersAreWrongCredentials() throws Exception {
        String token = share().path("token").asText();
        String ticket = json.readTree(rest("POST", "/api/auth/ws-ticket", null).body()).path("ticket").asText();
        for (String[] offer : List.of(
                new String[] {"hermes-gateway-share." + token},
                new String[] {"hermes-gateway-v1", "hermes-gateway-share."},
                new String[] {"hermes-gateway-v1", "hermes-gateway-share." + token, "hermes-gateway-share." + token + "x"},
                new String[] {"hermes-gateway-v1", "hermes-gateway-share." + token, "hermes-gateway-ticket." + ticket},
                new String[] {"hermes-gateway-v1", "hermes-gateway-share.hfs_not-a-real-share-token"})) {
            try (WsTestClient c = WsTestClient.connect(ws(""), http, offer)) {
                assertEquals(4401, c.closeCode(), String.join(",", offer));
            }
        }
        try (WsTestClient c = WsTestClient.connect(ws("?token=" + OWNER), http, new String[] {"hermes-gateway-v1", "hermes-gateway-share." + token})) {
            assertEquals(4401, c.closeCode(), "a token plus a share is two credentials");
        }
    }

    @Test
    void aShareTokenInTheSubprotocolOpensNoRest() throws Exception {
        String token = share().path("token").asText();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/front/agents"))
                .header("Sec-WebSocket-Protocol", "hermes-gateway-v1, hermes-gateway-share." + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode());
        assertFalse(r.body().contains(token));
    }

    @Test
    void theAccessLogRedactsAShareInTheQuery() {
        assertEquals("/api/ws?share=<redacted>&agent=ab12", LogRedaction.url("/api/ws", "share=hfs_secret&agent=ab12"));
        assertEquals("/api/ws?SHARE=<redacted>", LogRedaction.url("/api/ws", "SHARE=hfs_secret"));
        assertEquals("/api/ws?%73hare=<redacted>", LogRedaction.url("/api/ws", "%73hare=hfs_secret"));
    }
}
