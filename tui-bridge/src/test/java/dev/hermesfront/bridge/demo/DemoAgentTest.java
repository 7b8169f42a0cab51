package dev.hermesfront.bridge.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DemoAgentTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final FrameCodec codec = new FrameCodec();
    private final BlockingQueue<String> out = new LinkedBlockingQueue<>();
    private ScheduledExecutorService timer;
    private DemoAgent agent;

    @BeforeEach
    void start() {
        timer = Executors.newSingleThreadScheduledExecutor();
        agent = new DemoAgent(MAPPER, codec, timer, out::add);
    }

    @AfterEach
    void stop() {
        agent.stop();
        timer.shutdownNow();
    }

    private JsonNode next() throws Exception {
        String s = out.poll(5, TimeUnit.SECONDS);
        assertTrue(s != null, "no frame");
        assertTrue(codec.decode(s) instanceof Decoded.Valid, "demo wrote an invalid frame: " + s);
        return MAPPER.readTree(s);
    }

    private JsonNode call(String id, String method, String params) throws Exception {
        agent.accept("{\"jsonrpc\": \"2.0\", \"id\": \"" + id + "\", \"method\": \"" + method + "\", \"params\": " + params + "}");
        while (true) {
            JsonNode f = next();
            if (f.path("id").asText().equals(id)) {
                return f;
            }
        }
    }

    @Test
    void answersTheRealTuisStartupCalls() throws Exception {
        assertEquals("gateway.ready", next().path("params").path("type").asText());
        assertEquals(false, call("r1", "pet.cells", "{\"graphics\": true, \"state\": \"idle\"}").path("result").path("enabled").asBoolean(true));
        assertTrue(call("r2", "config.get", "{\"key\": \"full\"}").path("result").path("config").path("model").has("default"));
        JsonNode catalog = call("r3", "commands.catalog", "{}").path("result");
        assertTrue(catalog.path("pairs").isArray() && catalog.path("categories").isArray() && catalog.path("canon").isObject());
        assertEquals(true, call("r4", "setup.status", "{}").path("result").path("provider_configured").asBoolean());
        String sid = call("r5", "session.create", "{\"cols\": 120}").path("result").path("session_id").asText();
        JsonNode list = call("r6", "session.active_list", "{\"current_session_id\": \"" + sid + "\"}").path("result").path("sessions");
        assertEquals(sid, list.get(0).path("id").asText());
        assertEquals(false, call("r7", "input.detect_drop", "{\"session_id\": \"" + sid + "\", \"text\": \"hi\"}").path("result").path("matched").asBoolean(true));
        assertTrue(call("r8", "config.get", "{\"key\": \"mtime\"}").path("result").has("mtime"));
    }

    @Test
    void answersUnknownMethodsAndSessionsLikeTheRealAgent() throws Exception {
        next();
        assertEquals(-32601, call("x", "no.such", "{}").path("error").path("code").asInt());
        assertEquals("unknown method: no.such", call("y", "no.such", "{}").path("error").path("message").asText());
        assertEquals(4001, call("z", "prompt.submit", "{\"session_id\": \"nosuchsid\", \"text\": \"hi\"}").path("error").path("code").asInt());
    }

    @Test
    void interruptsASlowTurn() throws Exception {
        next();
        String sid = call("r1", "session.create", "{}").path("result").path("session_id").asText();
        call("r2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"DEMO_SLOW one two three four five six\"}");
        assertEquals("interrupted", call("r3", "session.interrupt", "{\"session_id\": \"" + sid + "\"}").path("result").path("status").asText());
        while (true) {
            JsonNode f = next();
            if (f.path("params").path("type").asText().equals("message.complete")) {
                assertEquals("interrupted", f.path("params").path("payload").path("status").asText());
                assertTrue(f.path("params").path("payload").path("text").asText().length() < "Echo: DEMO_SLOW one two three four five six".length());
                return;
            }
        }
    }
}
