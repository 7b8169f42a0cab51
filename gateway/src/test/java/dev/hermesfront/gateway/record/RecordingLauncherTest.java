package dev.hermesfront.gateway.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingLauncherTest {
    @TempDir
    Path dir;

    /** An agent that answers every frame with one fixed frame. */
    private static final class EchoLauncher implements AgentLauncher {
        final List<String> received = new CopyOnWriteArrayList<>();
        ClientSink sink;

        @Override
        public AgentLink open(ClientSink s) {
            sink = s;
            s.send("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": {}}}");
            return new AgentLink() {
                @Override
                public boolean send(String frame) {
                    received.add(frame);
                    return s.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"result\": {\"config\": {\"api_key\": \"sk-live-123\", "
                            + "\"base_url\": \"http://h/x?token=abc&x=1\", \"session_key\": \"k1\", \"n\": 1.0, \"m\": 1e-05}}}");
                }

                @Override
                public void close() {}

                @Override
                public String describe() {
                    return "echo";
                }
            };
        }

        @Override
        public String kind() {
            return "echo";
        }

        @Override
        public void close() {}
    }

    /** A client side that keeps what it was sent. */
    private static final class Client implements ClientSink {
        final List<String> frames = new ArrayList<>();
        AgentExit exit;

        @Override
        public synchronized boolean send(String frame) {
            return frames.add(frame);
        }

        @Override
        public boolean awaitWritable(Duration timeout) {
            return true;
        }

        @Override
        public void agentClosed(AgentExit e) {
            exit = e;
        }
    }

    private List<String> recordedLines() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.toList();
            assertEquals(1, files.size(), "one transcript per connection: " + files);
            return Files.readAllLines(files.get(0), StandardCharsets.UTF_8);
        }
    }

    @Test
    void recordsBothDirectionsUnchangedForThePeersAndRedactedOnDisk() throws IOException {
        EchoLauncher agent = new EchoLauncher();
        Client client = new Client();
        RecordingLauncher recording = RecordingLauncher.wrap(agent, dir);
        AgentLink link = recording.open(client);
        String request = "{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"model.save_key\", \"params\": {\"api_key\": \"sk-typed\"}}";
        assertTrue(link.send(request));
        link.close();
        recording.close();

        assertEquals(List.of(request), agent.received, "the agent gets the frame untouched");
        assertTrue(client.frames.get(1).contains("sk-live-123"), "the client gets the frame untouched");
        List<String> lines = recordedLines();
        assertEquals(4, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).matches("\\{\"t_ms\": \\d+, \"dir\": \"s2c\", \"frame\": \\{\"jsonrpc\": \"2.0\", \"method\": \"event\".*"), lines.get(0));
        assertTrue(lines.get(1).contains("\"dir\": \"c2s\"") && lines.get(1).contains("\"api_key\": \"<redacted>\""), lines.get(1));
        assertTrue(lines.get(2).contains("\"api_key\": \"<redacted>\""), lines.get(2));
        assertTrue(lines.get(2).contains("\"base_url\": \"http://h/x?token=<redacted>&x=1\""), lines.get(2));
        assertTrue(lines.get(2).contains("\"session_key\": \"k1\""), "session keys are not secrets: " + lines.get(2));
        assertTrue(lines.get(2).contains("\"n\": 1.0, \"m\": 1e-05"), "floats as the agent writes them: " + lines.get(2));
        assertFalse(String.join("\n", lines).contains("sk-"), "no secret on disk");
        assertTrue(lines.get(3).matches("\\{\"t_ms\": \\d+, \"dir\": \"meta\", \"event\": \"close\", \"by\": \"client\"\\}"), lines.get(3));
    }

    @Test
    void recordsTheAgentsExitAndNonJsonText() throws IOException {
        EchoLauncher agent = new EchoLauncher();
        Client client = new Client();
        RecordingLauncher recording = RecordingLauncher.wrap(agent, dir);
        recording.open(client);
        agent.sink.send("not json, see ws://h/api/ws?token=s3cret");
        agent.sink.agentClosed(AgentExit.exited(1));
        recording.close();

        List<String> lines = recordedLines();
        assertEquals("{\"t_ms\": " + lines.get(1).replaceAll(".*\"t_ms\": (\\d+).*", "$1")
                + ", \"dir\": \"s2c\", \"raw\": \"not json, see ws://h/api/ws?token=<redacted>\"}", lines.get(1));
        assertTrue(lines.get(2).contains("\"by\": \"server\"") && lines.get(2).contains("agent exited with status 1"), lines.get(2));
        assertEquals(1, client.exit.exitCode());
    }

    @Test
    void redactsSecretRespondValues() {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var tree = mapper.createObjectNode().put("jsonrpc", "2.0").put("id", "r9").put("method", "secret.respond");
        tree.putObject("params").put("request_id", "ab12").put("value", "hunter2");
        assertEquals("<redacted>", Redaction.frame(tree).path("params").path("value").asText());
        assertEquals("ab12", tree.path("params").path("request_id").asText());
    }

    @Test
    void dropsAndCountsInsteadOfBlockingOnceClosed() throws IOException {
        RecordingLauncher recording = RecordingLauncher.wrap(new EchoLauncher(), dir, 4);
        AgentLink link = recording.open(new Client());
        recording.close();
        link.send("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"x\"}");
        assertEquals(2, recording.dropped(), "the reply and the request were dropped, nothing blocked");
    }
}
