package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The /api/ws endpoint with the in-process demo agent: auth, protocol errors, limits, health. */
class WsEndpointTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX = 64 * 1024;
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = TestGateway.start(new DemoLauncher(MAPPER, new FrameCodec()), c -> ConfigEdit.edit(c).maxMessageBytes(MAX).parking(dev.hermesfront.bridge.park.ParkingPolicy.disabled()).get());
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private WsTestClient attach() throws Exception {
        WsTestClient c = WsTestClient.connect(gw.wsUri());
        assertTrue(c.next().contains("\"type\": \"gateway.ready\""));
        return c;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "?token=", "?token=wrong", "?token=test-token-12", "?token=test-token-1234", "?tok=test-token-123",
            "?token=test-token-123&token=x"})
    void refusesAMissingOrWrongTokenWith4401BeforeAnyFrame(String query) throws Exception {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri(query))) {
            assertEquals(4401, c.closeCode());
            assertEquals("unauthorized: missing or invalid token", c.closeReason());
            assertNull(c.poll(Duration.ofMillis(100)), "no frame may reach an unauthenticated client");
        }
        assertEquals(0, gw.server().connections());
    }

    @Test
    void answersInvalidJsonWithParseErrorAndStaysOpen() throws Exception {
        try (WsTestClient c = attach()) {
            c.send("this is not json");
            assertEquals(ProtocolErrors.parseError(), c.next());
            c.send("{\"id\": \"a1\", \"method\": \"x\"}\n{\"id\": \"a2\", \"method\": \"x\"}");
            assertEquals(ProtocolErrors.parseError(), c.next());
            c.send("[{\"id\": \"a7\", \"method\": \"no.such\"}]");
            assertEquals(ProtocolErrors.notAnObject(), c.next());
            c.send("   ");
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"no.such.method\", \"params\": {}}");
            assertEquals("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"error\": {\"code\": -32601, \"message\": \"unknown method: no.such.method\"}}",
                    c.next(), "the whitespace-only message gets no answer; the next request does");
        }
    }

    @Test
    void streamsTheDemoReplyAsEchoOfThePrompt() throws Exception {
        try (WsTestClient c = attach()) {
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {\"cols\": 80}}");
            JsonNode created = MAPPER.readTree(c.next());
            String sid = created.path("result").path("session_id").asText();
            assertEquals(8, sid.length());
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r2\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + sid
                    + "\", \"text\": \"hello there world\"}}");
            StringBuilder text = new StringBuilder();
            int deltas = 0;
            boolean started = false;
            boolean answered = false;
            while (true) {
                JsonNode f = MAPPER.readTree(c.next());
                if (f.path("id").asText().equals("r2")) {
                    assertEquals("streaming", f.path("result").path("status").asText());
                    answered = true;
                    continue;
                }
                String type = f.path("params").path("type").asText();
                if (type.equals("message.start")) {
                    started = true;
                } else if (type.equals("message.delta")) {
                    assertTrue(started, "delta before message.start");
                    text.append(f.path("params").path("payload").path("text").asText());
                    deltas++;
                } else if (type.equals("message.complete")) {
                    assertEquals("Echo: hello there world", f.path("params").path("payload").path("text").asText());
                    assertEquals("complete", f.path("params").path("payload").path("status").asText());
                    break;
                }
            }
            assertTrue(answered);
            assertTrue(deltas >= 3, "several deltas, got " + deltas);
            assertEquals("Echo: hello there world", text.toString());
        }
    }

    @Test
    void closesWith1003OnABinaryMessage() throws Exception {
        try (WsTestClient c = attach()) {
            c.sendBinary("{\"id\": 1, \"method\": \"x\"}".getBytes());
            assertEquals(1003, c.closeCode());
        }
    }

    @Test
    void closesWith1007OnATextMessageThatIsNotUtf8() throws Exception {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), gw.port())) {
            s.setSoTimeout(10_000);
            java.io.OutputStream out = s.getOutputStream();
            java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
            out.write(("GET /api/ws?token=" + TestGateway.TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1:" + gw.port()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
            // A masked text frame (mask 0: the payload goes as is) whose bytes are not UTF-8: {"id": "\xff"}
            byte[] payload = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xff, '"', '}'};
            java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
            frame.write(0x81);
            frame.write(0x80 | payload.length);
            frame.write(new byte[4]);
            frame.write(payload);
            out.write(frame.toByteArray());
            out.flush();
            int close = -1;
            while (close < 0) {
                int b0 = in.readUnsignedByte();
                int len = in.readUnsignedByte() & 0x7f;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = (int) in.readLong();
                }
                byte[] p = in.readNBytes(len);
                if ((b0 & 0x0f) == 8) {
                    close = (p[0] & 0xff) << 8 | (p[1] & 0xff);
                }
            }
            assertEquals(1007, close, "bytes that are not UTF-8 are refused where they enter, and go nowhere");
        }
    }

    @Test
    void closesWith1009OnAMessageOverTheLimitAndAcceptsOneAtTheLimit() throws Exception {
        String prefix = "{\"id\": 1, \"method\": \"no.such\", \"params\": {\"pad\": \"";
        String suffix = "\"}}";
        try (WsTestClient c = attach()) {
            c.send(prefix + "x".repeat(MAX - prefix.length() - suffix.length()) + suffix);
            assertTrue(c.next().contains("-32601"));
            c.send(prefix + "x".repeat(MAX) + suffix);
            assertEquals(1009, c.closeCode());
        }
    }

    @Test
    void countsTheLimitInUtf8BytesNotCharacters() throws Exception {
        try (WsTestClient c = attach()) {
            // Fewer characters than the limit, but two bytes each in UTF-8.
            c.send("{\"id\": 1, \"method\": \"x\", \"params\": {\"pad\": \"" + "\u00e9".repeat(MAX / 2) + "\"}}");
            assertEquals(1009, c.closeCode());
        }
    }

    @Test
    void oneClientsFailureLeavesOthersWorking() throws Exception {
        try (WsTestClient good = attach(); WsTestClient bad = attach()) {
            bad.sendBinary(new byte[] {1, 2, 3});
            assertEquals(1003, bad.closeCode());
            good.send("{\"id\": 9, \"method\": \"no.such\"}");
            assertTrue(good.next().contains("\"id\": 9"));
        }
    }

    @Test
    void answersPlainHttpOnTheWsPathWith426Json() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gw.http("/api/ws?token=x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(426, r.statusCode());
        assertEquals("upgrade_required", MAPPER.readTree(r.body()).path("error").path("code").asText());
    }

    @Test
    void reportsHealthAsJson() throws Exception {
        try (WsTestClient c = attach()) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gw.http("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
            JsonNode h = MAPPER.readTree(r.body());
            assertEquals("ok", h.path("status").asText());
            assertEquals("demo", h.path("agent").asText());
            assertEquals(1, h.path("connections").asInt());
        }
    }

    @Test
    void answersUnknownRoutesWith404Json() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gw.http("/nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
        assertEquals("not_found", MAPPER.readTree(r.body()).path("error").path("code").asText());
    }

    @Test
    void givesEveryConnectionItsOwnReadyFirst() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
                c.send("{\"id\": \"early\", \"method\": \"no.such\"}");
                assertTrue(c.next().contains("gateway.ready"), "ready must precede any answer");
                assertTrue(c.next().contains("\"early\""));
            }
        }
    }
}
