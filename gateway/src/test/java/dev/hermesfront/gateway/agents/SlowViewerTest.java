package dev.hermesfront.gateway.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.current.CurrentWireAgentMain;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A viewer that stops reading never holds the owner's agent up: it is cut off (1013) on its own. */
class SlowViewerTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOKEN = "owner-token-0123456789";

    @Test
    void aViewerThatNeverReadsDoesNotStallTheOwnersTurn() throws Exception {
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(TOKEN)))
                .parking(ParkingPolicy.disabled()).outbound(64 * 1024, 64L << 20, Duration.ofSeconds(20)).get();
        GatewayServer server = GatewayServer.builder(cfg, new ProcessLauncher(TestGateway.javaMain(CurrentWireAgentMain.class))).build().start();
        try (WsTestClient owner = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws?token=" + TOKEN))) {
            owner.next();
            owner.send("{\"jsonrpc\": \"2.0\", \"id\": \"c1\", \"method\": \"session.create\", \"params\": {}}");
            JsonNode created = next(owner, "c1");
            String live = created.path("result").path("session_id").asText();
            String stored = created.path("result").path("stored_session_id").asText();
            HttpClient http = HttpClient.newHttpClient();
            String agent = MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/front/agents"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body())
                    .path("agents").get(0).path("id").asText();
            String share = MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/front/agents/"
                    + agent + "/share")).header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("token").asText();
            try (Socket viewer = new Socket()) {
                viewer.setReceiveBufferSize(4096);
                viewer.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                upgrade(viewer, server.port(), "/api/ws?share=" + share);
                // It looks at the owner's session, then never reads again.
                viewer.getOutputStream().write(mask("{\"jsonrpc\": \"2.0\", \"id\": \"v1\", \"method\": \"session.resume\", \"params\": "
                        + "{\"session_id\": \"" + stored + "\"}}"));
                viewer.getOutputStream().flush();
                awaitMembers(http, server.port(), agent, 2);
                // A long reply: ~20,000 deltas, ~3 MB, through a 64 KiB high-water mark.
                owner.send("{\"jsonrpc\": \"2.0\", \"id\": \"p1\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + live
                        + "\", \"text\": \"" + "word ".repeat(20_000) + "\"}}");
                while (true) {
                    JsonNode f = MAPPER.readTree(owner.next());
                    if (f.path("params").path("type").asText("").equals("message.complete")) {
                        break;
                    }
                }
                // The whole turn reached the owner while the viewer was still connected (it is cut only after its
                // 20 s stall): had the viewer paced the agent, the owner would have waited for that cut.
                assertEquals(2, server.connections());
            }
        } finally {
            server.close();
        }
    }

    private static JsonNode next(WsTestClient c, String id) throws Exception {
        while (true) {
            JsonNode f = MAPPER.readTree(c.next());
            if (f.path("id").asText("").equals(id)) {
                return f;
            }
        }
    }

    /** Waits (bounded) until the agent lists {@code n} clients: the viewer's join is done. */
    private static void awaitMembers(HttpClient http, int port, String agent, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            JsonNode a = MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/front/agents"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body()).path("agents").get(0);
            if (a.path("clients").size() == n) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the viewer never joined: " + a);
            Thread.sleep(20);
        }
    }

    private static void upgrade(Socket s, int port, String path) throws Exception {
        s.setSoTimeout(10_000);
        OutputStream o = s.getOutputStream();
        o.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        o.flush();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = s.getInputStream().read();
            assertTrue(b >= 0);
            head.append((char) b);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
    }

    /** One masked client text frame (mask key zero). */
    private static byte[] mask(String text) {
        byte[] p = text.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream f = new java.io.ByteArrayOutputStream();
        f.write(0x81);
        if (p.length < 126) {
            f.write(0x80 | p.length);
        } else {
            f.write(0x80 | 126);
            f.write(p.length >> 8);
            f.write(p.length & 0xFF);
        }
        f.writeBytes(new byte[4]);
        f.writeBytes(p);
        return f.toByteArray();
    }
}
