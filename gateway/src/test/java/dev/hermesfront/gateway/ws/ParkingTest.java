package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Disconnects lose nothing: parking, re-attach, expiry, overflow, storms. */
class ParkingTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String s) throws IOException {
        return MAPPER.readTree(s);
    }

    private static JsonNode readyInfo(WsTestClient c) throws Exception {
        JsonNode ready = json(c.next());
        assertEquals("gateway.ready", ready.path("params").path("type").asText());
        return ready.path("params").path("payload");
    }

    private static boolean gone(long pid) throws InterruptedException {
        return StdioBridgeTest.gone(pid); // polls: a spawned agent is reaped by the launcher, not by a JDK thread
    }

    /** Reads {"s": i} frames into {@code into} until the socket closes. */
    private static void drainUntilClosed(WsTestClient c, List<Integer> into) throws Exception {
        while (true) {
            String m = c.poll(Duration.ofMillis(50));
            if (m != null) {
                into.add(json(m).path("s").asInt());
            } else if (c.isClosed()) {
                String last;
                while ((last = c.poll(Duration.ZERO)) != null) {
                    into.add(json(last).path("s").asInt());
                }
                return;
            }
        }
    }

    @Test
    void reattachDeliversEveryFrameExactlyOnceInOrder() throws Exception {
        int n = 300;
        try (TestGateway gw = TestGateway.withEchoAgent(c -> ConfigEdit.edit(c).parking(new ParkingPolicy(Duration.ofSeconds(30), 10_000, 8 << 20)).get())) {
            List<Integer> seen = new ArrayList<>();
            long pid;
            WsTestClient a = WsTestClient.connect(gw.wsUri());
            JsonNode info = readyInfo(a);
            pid = info.path("pid").asLong();
            assertTrue(info.path("capabilities").isMissingNode() && info.path("hermes_front").isMissingNode(), "a first attach gets the agent's ready frame unchanged");
            a.send("{\"cmd\": \"stream\", \"method\": \"echo.cmd\", \"n\": " + n + ", \"delay_ms\": 2}");
            while (seen.size() < 40) {
                seen.add(json(a.next()).path("s").asInt());
            }
            a.close(); // clean close mid-stream; frames after it must wait for us
            drainUntilClosed(a, seen);
            gw.awaitParked(1);

            try (WsTestClient b = WsTestClient.connect(gw.wsUri())) {
                JsonNode again = readyInfo(b);
                assertEquals(pid, again.path("pid").asLong(), "same agent process");
                assertTrue(again.path("capabilities").path("hermes_front").path("reattached").asBoolean());
                while (seen.size() < n) {
                    seen.add(json(b.next()).path("s").asInt());
                }
                List<Integer> expected = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    expected.add(i);
                }
                assertEquals(expected, seen);
                assertEquals(0, gw.server().parked());
            }
        }
    }

    @Test
    void resumeIdPicksTheAgentWhenTwoAreParked() throws Exception {
        try (TestGateway gw = TestGateway.withEchoAgent(c -> ConfigEdit.edit(c).parking(new ParkingPolicy(Duration.ofSeconds(30), 100, 1 << 20)).get())) {
            WsTestClient a1 = WsTestClient.connect(gw.wsUri("?token=" + TestGateway.TOKEN + "&resume=new"));
            JsonNode i1 = readyInfo(a1);
            assertFalse(i1.path("capabilities").path("hermes_front").path("reattached").asBoolean(true));
            WsTestClient a2 = WsTestClient.connect(gw.wsUri());
            JsonNode i2 = readyInfo(a2);
            a1.close();
            a2.close();
            gw.awaitParked(2);
            String resume1 = i1.path("capabilities").path("hermes_front").path("resume_id").asText();
            assertTrue(resume1.matches("[0-9a-f]{24}"), resume1);
            try (WsTestClient back = WsTestClient.connect(gw.wsUri("?token=" + TestGateway.TOKEN + "&resume=" + resume1))) {
                assertEquals(i1.path("pid").asLong(), readyInfo(back).path("pid").asLong());
            }
            // Without a resume id, the most recently parked one comes back (a2 was parked last... then a1 again).
            try (WsTestClient back = WsTestClient.connect(gw.wsUri())) {
                long pid = readyInfo(back).path("pid").asLong();
                assertTrue(pid == i1.path("pid").asLong() || pid == i2.path("pid").asLong());
            }
        }
    }

    @Test
    void stopsTheAgentWhenTheWindowPassesAndTellsTheReturningClient() throws Exception {
        try (TestGateway gw = TestGateway.withEchoAgent(c -> ConfigEdit.edit(c).parking(new ParkingPolicy(Duration.ofMillis(300), 100, 1 << 20)).get())) {
            long pid;
            try (WsTestClient a = WsTestClient.connect(gw.wsUri())) {
                pid = readyInfo(a).path("pid").asLong();
            }
            assertTrue(gone(pid), "agent must be stopped after the window");
            try (WsTestClient b = WsTestClient.connect(gw.wsUri())) {
                assertNotEquals(pid, readyInfo(b).path("pid").asLong());
                JsonNode notice = json(b.next());
                assertEquals("notification.show", notice.path("params").path("type").asText());
                JsonNode hf = notice.path("params").path("payload").path("hermes_front");
                assertEquals("agent_lost", hf.path("event").asText());
                assertTrue(hf.path("reason").asText().contains("window"), hf.toString());
            }
        }
    }

    @Test
    void stopsTheAgentAndReportsTheLossWhenTheBufferOverflows() throws Exception {
        try (TestGateway gw = TestGateway.withEchoAgent(c -> ConfigEdit.edit(c).parking(new ParkingPolicy(Duration.ofSeconds(30), 20, 1 << 20)).get())) {
            long pid;
            try (WsTestClient a = WsTestClient.connect(gw.wsUri())) {
                pid = readyInfo(a).path("pid").asLong();
                a.send("{\"cmd\": \"stream\", \"method\": \"echo.cmd\", \"n\": 500, \"delay_ms\": 5}");
                a.next();
            }
            assertTrue(gone(pid), "an overflowing parked agent is stopped");
            assertEquals(0, gw.server().parked());
            try (WsTestClient b = WsTestClient.connect(gw.wsUri())) {
                readyInfo(b);
                JsonNode hf = json(b.next()).path("params").path("payload").path("hermes_front");
                assertEquals("agent_lost", hf.path("event").asText());
                assertTrue(hf.path("lost_frames").asInt() > 20, hf.toString());
            }
        }
    }

    @Test
    void stopsParkedAgentsOnShutdown() throws Exception {
        long pid;
        TestGateway gw = TestGateway.withEchoAgent(c -> ConfigEdit.edit(c).parking(new ParkingPolicy(Duration.ofMinutes(5), 100, 1 << 20)).get());
        try (WsTestClient a = WsTestClient.connect(gw.wsUri())) {
            pid = readyInfo(a).path("pid").asLong();
        }
        gw.awaitParked(1);
        gw.close();
        assertTrue(gone(pid));
    }

    @Test
    void turnsTheTuisResumeOfALiveSessionIntoActivateOnReattach() throws Exception {
        try (TestGateway gw = TestGateway.start(new DemoLauncher(MAPPER, new FrameCodec()),
                c -> ConfigEdit.edit(c).parking(new ParkingPolicy(Duration.ofSeconds(30), 1000, 1 << 20)).get())) {
            String sid;
            WsTestClient a = WsTestClient.connect(gw.wsUri());
            readyInfo(a);
            a.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {\"cols\": 80}}");
            sid = json(a.next()).path("result").path("session_id").asText();
            a.send("{\"jsonrpc\": \"2.0\", \"id\": \"r2\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + sid
                    + "\", \"text\": \"DEMO_SLOW one two three four five\"}}");
            int deltas = 0;
            while (deltas < 1) {
                if (json(a.next()).path("params").path("type").asText().equals("message.delta")) {
                    deltas++;
                }
            }
            a.close();
            gw.awaitParked(1);
            try (WsTestClient b = WsTestClient.connect(gw.wsUri())) {
                readyInfo(b);
                b.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.resume\", \"params\": {\"cols\": 80, \"session_id\": \""
                        + sid + "\"}}");
                StringBuilder text = new StringBuilder();
                JsonNode resumed = null;
                while (true) {
                    JsonNode f = json(b.next());
                    if (f.path("id").asText().equals("r1")) {
                        resumed = f;
                        assertEquals(sid, f.path("result").path("session_id").asText(), f.toString());
                    } else if (f.path("params").path("type").asText().equals("message.complete")) {
                        text.append(f.path("params").path("payload").path("text").asText());
                        break;
                    }
                }
                assertTrue(resumed != null, "session.resume was answered");
                assertEquals("Echo: DEMO_SLOW one two three four five", text.toString());
            }
        }
    }

    @Test
    void boundsSpawnsDuringAReconnectStormAndStaysResponsive() throws Exception {
        AtomicInteger opened = new AtomicInteger();
        DemoLauncher demo = new DemoLauncher(MAPPER, new FrameCodec());
        AgentLauncher counting = new AgentLauncher() {
            @Override
            public AgentLink open(ClientSink sink) throws IOException {
                opened.incrementAndGet();
                return demo.open(sink);
            }

            @Override
            public String kind() {
                return "demo";
            }

            @Override
            public void close() {
                demo.close();
            }
        };
        long t0 = System.nanoTime();
        int refused = 0;
        int cycles = 300;
        try (TestGateway gw = TestGateway.start(counting, c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).agentLimits(1024, 5, 1.0).get())) {
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < cycles; i++) {
                try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
                    String first = c.poll(Duration.ofSeconds(5));
                    if (first == null) {
                        assertEquals(1013, c.closeCode());
                        refused++;
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(opened.get() <= 5 + Math.ceil(seconds) + 1, opened.get() + " agents in " + seconds + " s");
            assertEquals(cycles - opened.get(), refused);
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(gw.http("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
        }
    }
}
