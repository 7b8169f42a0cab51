package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.gateway.FloodGatewayMain;
import dev.hermesfront.gateway.WsTestClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A total memory budget (issue 11, item 3): a gateway in a 128 MiB JVM, 80 clients that ask for a long reply
 * and never read. Without the budget each queue may hold its high-water mark (4 Mi chars, ~8 MiB) and the
 * parking buffers as much again: the JVM runs out of memory. With it, the gateway stays up, answers
 * {@code /front/health}, and a well-behaved client still chats.
 */
class MemoryBudgetTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOKEN = "budget-test-token-0123";
    private static final int CLIENTS = 80;

    @Test
    void eightyClientsThatNeverReadDoNotTakeASmallGatewayDown() throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process child = new ProcessBuilder(java, "-Xmx128m", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), FloodGatewayMain.class.getName(), TOKEN)
                .redirectError(ProcessBuilder.Redirect.appendTo(new java.io.File(System.getProperty("java.io.tmpdir"), "hub-budget-child.log"))).start();
        List<Socket> floods = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            PrintStream in = new PrintStream(child.getOutputStream(), true, StandardCharsets.UTF_8);
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("PORT "), String.valueOf(first));
            int port = Integer.parseInt(first.substring(5));
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                upgrade(s, port);
                s.getOutputStream().write(FaultTest.maskedText("{\"jsonrpc\": \"2.0\", \"id\": \"f\", \"method\": \"prompt.submit\", "
                        + "\"params\": {\"session_id\": \"none\", \"text\": \"FLOOD\"}}"));
                s.getOutputStream().flush();
                floods.add(s);
            }
            HttpClient http = HttpClient.newHttpClient();
            URI health = URI.create("http://127.0.0.1:" + port + "/front/health");
            // Every flooding client is cut off (1013) once it holds more than its share of the budget, or has not
            // read for its stall bound (30 s). Bounded wait, polling another process's state.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int connections;
            do {
                assertTrue(child.isAlive(), "the gateway's JVM exited (out of memory?)");
                HttpResponse<String> h = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, h.statusCode());
                connections = MAPPER.readTree(h.body()).path("connections").asInt();
                if (connections > 0) {
                    Thread.sleep(250);
                }
            } while (connections > 0 && System.nanoTime() < deadline);
            assertEquals(0, connections, "every client that never read was cut off");
            in.println("stats");
            String[] stats = out.readLine().split(" ");
            long used = Long.parseLong(stats[1]);
            long limit = Long.parseLong(stats[2]);
            assertTrue(limit <= 64L << 20, "the default budget is a quarter of -Xmx: " + limit);
            assertTrue(used <= limit, "within the budget afterwards: " + used + " of " + limit);
            // A client that reads still chats.
            try (WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + port + "/api/ws?token=" + TOKEN))) {
                assertTrue(c.next().contains("gateway.ready"));
                c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {}}");
                JsonNode created = MAPPER.readTree(c.next());
                while (!created.path("id").asText("").equals("r1")) {
                    created = MAPPER.readTree(c.next());
                }
                String sid = created.path("result").path("session_id").asText();
                c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r2\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + sid
                        + "\", \"text\": \"still here\"}}");
                while (true) {
                    JsonNode f = MAPPER.readTree(c.next());
                    if (f.path("params").path("type").asText().equals("message.complete")) {
                        assertEquals("Echo: still here", f.path("params").path("payload").path("text").asText());
                        break;
                    }
                }
            }
            assertEquals(200, http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            in.close();
            assertTrue(child.waitFor(20, TimeUnit.SECONDS), "the gateway stops at the end of its input");
        } finally {
            for (Socket s : floods) {
                s.close();
            }
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void upgrade(Socket s, int port) throws Exception {
        s.setSoTimeout(10_000);
        OutputStream o = s.getOutputStream();
        // resume=new: each one its own agent (a plain reconnect would take back the one parked last).
        o.write(("GET /api/ws?token=" + TOKEN + "&resume=new HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        o.flush();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = s.getInputStream().read();
            assertTrue(b >= 0, "closed during the handshake");
            head.append((char) b);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
    }
}
