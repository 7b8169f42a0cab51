package dev.hermesfront.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.policy.TicketBook;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** WebSocket tickets (tui-wire-current.md §9): minted over REST, single use, bound to the minter's scope. */
class TicketTest {
    private static final String CHAT = "chat-token-0123456789";
    private static final String[] NONE = new String[0];
    private GatewayServer gw;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void start() throws Exception {
        gw = GatewayServer.builder(GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Credentials.of(List.of(new Credential.Token("laptop", Secret.of(CHAT), "chat")))),
                new DemoLauncher(json, new FrameCodec())).build().start();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private String mint() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/api/auth/ws-ticket"))
                .header("Authorization", "Bearer " + CHAT).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json.readTree(r.body());
        assertEquals(30, body.path("expires_in").asInt());
        return body.path("ticket").asText();
    }

    private URI ws(String query) {
        return URI.create("ws://127.0.0.1:" + gw.port() + "/api/ws" + query);
    }

    @Test
    void aTicketAttachesOnceOverTheSubprotocolPairAndIsRefusedTheSecondTime() throws Exception {
        String t = mint();
        String[] pair = {"hermes-gateway-ticket." + t, "hermes-gateway-v1"};
        try (WsTestClient c = WsTestClient.connect(ws(""), http, pair)) {
            assertEquals("hermes-gateway-v1", c.subprotocol(), "only hermes-gateway-v1 is selected, never the ticket");
            assertTrue(c.next().contains("gateway.ready"));
            c.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shell.exec\",\"params\":{\"command\":\"id\"}}");
            assertTrue(c.next().contains("-32003"), "the ticket carries the minter's chat scope");
        }
        try (WsTestClient again = WsTestClient.connect(ws(""), http, pair)) {
            assertEquals(4401, again.closeCode(), "a ticket works once");
            assertNull(again.poll(Duration.ofMillis(100)));
        }
    }

    @Test
    void aTicketWorksAsAQueryParameterAndNeverAsARestCredential() throws Exception {
        String t = mint();
        HttpResponse<String> rest = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/api/auth/ws-ticket"))
                .header("Authorization", "Bearer " + t).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, rest.statusCode(), "a ticket is not a REST credential");
        try (WsTestClient c = WsTestClient.connect(ws("?ticket=" + t), http)) {
            assertTrue(c.next().contains("gateway.ready"));
        }
    }

    @Test
    void malformedTicketSubprotocolsAreRefused() throws Exception {
        String t = mint();
        for (String[] offer : List.of(new String[] {"hermes-gateway-ticket." + t}, new String[] {"hermes-gateway-v1", "hermes-gateway-ticket."},
                new String[] {"hermes-gateway-v1", "hermes-gateway-ticket." + t, "hermes-gateway-ticket.x"})) {
            try (WsTestClient c = WsTestClient.connect(ws(""), http, offer)) {
                assertEquals(4401, c.closeCode(), String.join(",", offer));
            }
        }
        try (WsTestClient c = WsTestClient.connect(ws("?token=" + CHAT), http, new String[] {"hermes-gateway-v1", "hermes-gateway-ticket." + mint()})) {
            assertEquals(4401, c.closeCode(), "a ticket plus a token is two credentials");
        }
    }

    @Test
    void ticketsExpireAndTheBookStaysBounded() {
        AtomicLong now = new AtomicLong();
        TicketBook book = new TicketBook(Duration.ofSeconds(30), 3, now::get);
        Identity who = Identity.of("laptop", Scope.CHAT, "bearer");
        String t = book.mint(who);
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertTrue(book.consume(t).isEmpty(), "expired");
        String a = book.mint(who);
        book.mint(who);
        book.mint(who);
        book.mint(who);
        assertEquals(3, book.size());
        assertTrue(book.consume(a).isEmpty(), "the oldest was forgotten past the bound");
        String b = book.mint(who);
        assertEquals("ticket", book.consume(b).orElseThrow().via());
        assertFalse(book.consume(b).isPresent(), "single use");
    }
}
