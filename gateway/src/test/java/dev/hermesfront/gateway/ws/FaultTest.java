package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.EchoAgent;
import dev.hermesfront.gateway.SilentAgent;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Agents and clients that misbehave, and many clients at once. */
class FaultTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void closesWith1011AndStopsAnAgentThatNeverSendsReady() throws Exception {
        try (TestGateway gw = TestGateway.start(new ProcessLauncher(TestGateway.javaMain(SilentAgent.class)),
                c -> ConfigEdit.edit(c).liveness(Duration.ofMillis(1500), Duration.ZERO, false).get())) {
            try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
                assertEquals(1011, c.closeCode());
                assertEquals("agent did not become ready", c.closeReason());
            }
            assertEquals(0, gw.server().parked(), "a failed agent is stopped, not parked");
        }
    }

    @Test
    void disconnectsAClientThatStopsReadingWhileOthersCarryOn() throws Exception {
        try (TestGateway gw = TestGateway.start(new ProcessLauncher(TestGateway.javaMain(EchoAgent.class)),
                c -> ConfigEdit.edit(c).outbound(64 * 1024, 512 * 1024, Duration.ofSeconds(2)).parking(ParkingPolicy.disabled()).get());
             Socket stalled = rawUpgrade(gw)) {
            // Ask for ~40 MB of output, then never read a byte of it.
            stalled.getOutputStream().write(maskedText("{\"cmd\": \"flood\", \"method\": \"echo.cmd\", \"n\": 40000, \"pad\": 1000}"));
            stalled.getOutputStream().flush();
            try (WsTestClient good = WsTestClient.connect(gw.wsUri())) {
                good.next();
                for (int i = 0; i < 50; i++) {
                    good.send("{\"id\": " + i + ", \"method\": \"m\"}");
                    assertEquals("{\"id\": " + i + ", \"method\": \"m\"}", good.next());
                }
                // The stalled client is cut off (1013) once it sat above the high-water mark for 2 s; its agent is
                // stopped (parking is off here), and the good client is still the one connection left.
                awaitConnections(gw, 1);
                good.send("{\"id\": \"after\", \"method\": \"m\"}");
                assertEquals("{\"id\": \"after\", \"method\": \"m\"}", good.next());
            }
        }
    }

    /** Opens /api/ws by hand and reads the 101 response; the socket is then never read again. */
    static Socket rawUpgrade(TestGateway gw) throws Exception {
        Socket raw = new Socket("127.0.0.1", gw.port());
        raw.setSoTimeout(10_000);
        raw.setReceiveBufferSize(16 * 1024);
        OutputStream out = raw.getOutputStream();
        out.write(("GET /api/ws?token=" + TestGateway.TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1:" + gw.port()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        java.io.InputStream in = raw.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertTrue(b >= 0, "connection closed during the handshake");
            head.append((char) b);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
        return raw;
    }

    /** Encodes one masked client text frame (RFC 6455 5.3; the mask key is zero, which is allowed). */
    static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream f = new java.io.ByteArrayOutputStream();
        f.write(0x81);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else {
            f.write(0x80 | 126);
            f.write(payload.length >> 8);
            f.write(payload.length & 0xFF);
        }
        f.writeBytes(new byte[4]);
        f.writeBytes(payload);
        return f.toByteArray();
    }

    @Test
    void closesAndParksAClientThatAnswersNoPings() throws Exception {
        try (TestGateway gw = TestGateway.start(new DemoLauncher(MAPPER, new FrameCodec()),
                c -> ConfigEdit.edit(c).liveness(Duration.ofSeconds(60), Duration.ofMillis(200), true)
                        .parking(new ParkingPolicy(Duration.ofSeconds(30), 100, 1 << 20)).get());
             Socket raw = rawUpgrade(gw)) {
            // Never answer the pings: after two intervals (+1 s slack) the gateway gives up and parks the agent.
            gw.awaitParked(1);
        }
    }

    @Test
    void keeps500ConcurrentClientsChattingAndReturnsToBaseline() throws Exception {
        int n = 500;
        try (TestGateway gw = TestGateway.start(new DemoLauncher(MAPPER, new FrameCodec()),
                c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).agentLimits(1024, 1000, 1000)
                        .connections(0, 1024, Duration.ofSeconds(10)).get())) {
            HttpClient http = HttpClient.newHttpClient();
            warmUp(gw, http);
            int threadsBefore = ownThreads();
            long fdsBefore = openFds();
            List<WsTestClient> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(WsTestClient.connect(gw.wsUri(), http));
            }
            for (int i = 0; i < n; i++) {
                WsTestClient c = clients.get(i);
                assertTrue(c.next().contains("gateway.ready"));
                c.send("{\"jsonrpc\": \"2.0\", \"id\": \"c" + i + "\", \"method\": \"session.create\", \"params\": {}}");
            }
            for (int i = 0; i < n; i++) {
                WsTestClient c = clients.get(i);
                JsonNode created = MAPPER.readTree(c.next());
                assertEquals("c" + i, created.path("id").asText());
                c.send("{\"jsonrpc\": \"2.0\", \"id\": \"p" + i + "\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \""
                        + created.path("result").path("session_id").asText() + "\", \"text\": \"client " + i + "\"}}");
            }
            for (int i = 0; i < n; i++) {
                WsTestClient c = clients.get(i);
                while (true) {
                    JsonNode f = MAPPER.readTree(c.next());
                    if (f.path("params").path("type").asText().equals("message.complete")) {
                        assertEquals("Echo: client " + i, f.path("params").path("payload").path("text").asText());
                        break;
                    }
                }
            }
            assertEquals(n, gw.server().connections());
            for (WsTestClient c : clients) {
                c.close();
            }
            awaitConnections(gw, 0);
            // Threads and descriptors come back to where they were. Pool threads (Undertow's workers, which grow under
            // load up to their bound and time out later; the test's HTTP client) are a size, not a leak: not counted.
            assertTrue(openFds() <= fdsBefore + 20, "fds " + fdsBefore + " -> " + openFds());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ownThreads() > threadsBefore + 10 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(ownThreads() <= threadsBefore + 10, "threads " + threadsBefore + " -> " + ownThreads() + ": " + threadNames());
        }
    }

    /** Live threads other than pool threads: Undertow's worker tasks and the JDK HTTP client's. */
    private static int ownThreads() {
        return threadNames().size();
    }

    private static List<String> threadNames() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (t.isAlive() && !n.startsWith("hermes-front task") && !n.startsWith("HttpClient")) {
                names.add(n);
            }
        }
        return names;
    }

    private static void warmUp(TestGateway gw, HttpClient http) throws Exception {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri(), http)) {
            c.next();
        }
        awaitConnections(gw, 0);
    }

    private static void awaitConnections(TestGateway gw, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (gw.server().connections() != n) {
            assertTrue(System.nanoTime() < deadline, "connections stuck at " + gw.server().connections());
            Thread.sleep(10);
        }
    }

    private static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
