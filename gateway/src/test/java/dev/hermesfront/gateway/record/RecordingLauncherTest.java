package dev.hermesfront.gateway.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingLauncherTest {
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(10_000).build()).build()).build();

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
                public boolean send(dev.hermesfront.protocol.WireFrame frame) {
                    received.add(frame.text());
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
        public synchronized boolean send(dev.hermesfront.protocol.WireFrame frame) {
            return frames.add(frame.text());
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

    /** An agent whose frames the test writes itself, and that keeps what it is sent. */
    private static final class ScriptedLauncher implements AgentLauncher {
        final List<ClientSink> sinks = new CopyOnWriteArrayList<>();

        @Override
        public AgentLink open(ClientSink s) {
            sinks.add(s);
            return new AgentLink() {
                @Override public boolean send(dev.hermesfront.protocol.WireFrame frame) { return true; }
                @Override public void close() { }
                @Override public String describe() { return "scripted"; }
            };
        }

        @Override public String kind() { return "scripted"; }
        @Override public void close() { }
    }

    private List<Path> transcripts() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static List<JsonNode> parsed(Path file) throws IOException {
        String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        assertTrue(text.endsWith("\n"), "whole lines only");
        List<JsonNode> lines = new ArrayList<>();
        for (String l : text.split("\n")) {
            lines.add(MAPPER.readTree(l));
        }
        return lines;
    }


    @Test
    void keepsRecordingEveryConnectionAfterAHostileFrame() throws IOException {
        ScriptedLauncher agent = new ScriptedLauncher();
        RecordingLauncher recording = RecordingLauncher.wrap(agent, dir);
        AgentLink a = recording.open(new Client());
        AgentLink b = recording.open(new Client());
        a.send("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"\\ud800\"}");
        a.send("{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"prompt.submit\", \"params\": {\"text\": \"x\\udfff\"}}");
        agent.sinks.get(0).send("{\"jsonrpc\": \"2.0\", \"id\": 1, \"error\": {\"code\": -32601, \"message\": \"unknown method: \\ud800\"}}");
        b.send("{\"jsonrpc\": \"2.0\", \"id\": \"b1\", \"method\": \"session.create\"}");
        a.send("{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": \"m\", \"params\": {\"n\": " + "9".repeat(4300) + "}}");
        a.send("{\"jsonrpc\": \"2.0\", \"id\": 4, \"method\": \"m\", \"params\": {\"n\": " + "[".repeat(510) + "]".repeat(510) + "}}");
        b.send("{\"jsonrpc\": \"2.0\", \"id\": \"b2\", \"method\": \"session.list\"}");
        a.close();
        b.close();
        recording.close();

        List<Path> files = transcripts();
        assertEquals(2, files.size());
        List<JsonNode> first = parsed(files.get(0));
        assertEquals(6, first.size(), "four requests, one reply, the close: " + first);
        assertEquals("\ud800", first.get(0).path("frame").path("method").asText());
        assertEquals("x\udfff", first.get(1).path("frame").path("params").path("text").asText());
        assertEquals("unknown method: \ud800", first.get(2).path("frame").path("error").path("message").asText());
        assertEquals("9".repeat(4300), first.get(3).path("frame").path("params").path("n").asText());
        assertEquals("close", first.get(5).path("event").asText());
        List<JsonNode> second = parsed(files.get(1));
        assertEquals(List.of("b1", "b2"), List.of(second.get(0).path("frame").path("id").asText(), second.get(1).path("frame").path("id").asText()));
        assertEquals(0, recording.dropped());
    }

    @Test
    void dropsAndCountsAClientFrameItCannotReadInsteadOfWritingItRaw() throws IOException {
        ScriptedLauncher agent = new ScriptedLauncher();
        RecordingLauncher recording = RecordingLauncher.wrap(agent, dir);
        AgentLink a = recording.open(new Client());
        // Valid JSON the codec passes (Python parses floats of any length), but past the recorder's number bound.
        a.send("{\"jsonrpc\": \"2.0\", \"id\": \"srq-1\", \"result\": {\"value\": \"hunter2\"}, \"pad\": " + "9".repeat(20_000) + ".5}");
        a.send("{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"m\"}");
        a.close();
        recording.close();
        String all = Files.readString(transcripts().get(0));
        assertFalse(all.contains("hunter2"), all.substring(0, Math.min(all.length(), 300)));
        List<JsonNode> lines = parsed(transcripts().get(0));
        assertEquals(2, lines.get(0).path("frame").path("id").asInt());
        assertEquals("dropped", lines.get(2).path("event").asText());
        assertEquals(1, lines.get(2).path("count").asInt());
        assertEquals(1, recording.dropped());
    }

    @Test
    void createsTranscriptsForTheOwnerOnly() throws IOException {
        RecordingLauncher recording = RecordingLauncher.wrap(new EchoLauncher(), dir);
        recording.open(new Client()).close();
        recording.close();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(transcripts().get(0))));
    }

    @Test
    void redactsAnswersToSecretServerRequestsAndKeepsOthers() throws IOException {
        ScriptedLauncher agent = new ScriptedLauncher();
        RecordingLauncher recording = RecordingLauncher.wrap(agent, dir);
        AgentLink link = recording.open(new Client());
        ClientSink toClient = agent.sinks.get(0);
        String[][] requests = {
            {"srq-000000000001", "sudo"}, {"srq-000000000002", "secret"}, {"srq-000000000003", "vault.unlock_prompt"},
            {"srq-000000000004", "vault.save_login"}, {"srq-000000000005", "display.install.sudo"},
            {"srq-000000000006", "approval"}, {"srq-000000000007", "clarify"}, {"srq-000000000008", "sudo"},
        };
        for (String[] r : requests) {
            toClient.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + r[0] + "\", \"method\": \"" + r[1] + "\", \"params\": {\"session_id\": \"s1\"}}");
        }
        // An open request re-offered by session.resume, answered after the re-attach.
        toClient.send("{\"jsonrpc\": \"2.0\", \"id\": \"r9\", \"result\": {\"session_id\": \"s1\", \"open_requests\": "
                + "[{\"id\": \"srq-00000000000a\", \"method\": \"secret\", \"params\": {\"env_var\": \"K\"}}]}}");
        for (int i = 1; i <= 5; i++) {
            link.send("{\"jsonrpc\":\"2.0\",\"id\":\"srq-00000000000" + i + "\",\"result\":{\"value\":\"hunter" + i + "\"}}");
        }
        link.send("{\"jsonrpc\":\"2.0\",\"id\":\"srq-000000000006\",\"result\":{\"choice\":\"once\"}}");
        link.send("{\"jsonrpc\":\"2.0\",\"id\":\"srq-000000000007\",\"result\":{\"answers\":{\"q1\":\"blue\"}}}");
        link.send("{\"jsonrpc\":\"2.0\",\"id\":\"r10\",\"method\":\"request.answer\",\"params\":{\"id\":\"srq-000000000008\","
                + "\"result\":{\"value\":\"hunter8\"}}}");
        link.send("{\"jsonrpc\":\"2.0\",\"id\":\"srq-00000000000a\",\"result\":{\"value\":\"hunter10\"}}");
        link.send("{\"jsonrpc\":\"2.0\",\"id\":\"srq-ffffffffffff\",\"result\":{\"value\":\"hunter11\"}}");
        link.send("{\"jsonrpc\":\"2.0\",\"id\":\"srq-000000000001\",\"error\":{\"code\":-32603,\"message\":\"no handler\"}}");
        link.send("{\"jsonrpc\":\"2.0\",\"id\":\"srq-000000000002\",\"result\":{\"value\":\"\"}}");
        link.close();
        recording.close();

        String all = Files.readString(transcripts().get(0));
        assertFalse(all.contains("hunter"), all);
        List<JsonNode> lines = parsed(transcripts().get(0));
        List<JsonNode> answers = lines.stream().filter(l -> "c2s".equals(l.path("dir").asText())).map(l -> l.path("frame")).toList();
        for (int i = 0; i < 5; i++) {
            assertEquals("<redacted>", answers.get(i).path("result").path("value").asText(), answers.get(i).toString());
        }
        assertEquals("once", answers.get(5).path("result").path("choice").asText(), "approval answers are not secrets");
        assertEquals("blue", answers.get(6).path("result").path("answers").path("q1").asText(), "clarify answers are not secrets");
        assertEquals("<redacted>", answers.get(7).path("params").path("result").path("value").asText(), "request.answer");
        assertEquals("<redacted>", answers.get(8).path("result").path("value").asText(), "re-offered open request");
        assertEquals("<redacted>", answers.get(9).path("result").path("value").asText(), "unknown request: redacted");
        assertEquals("no handler", answers.get(10).path("error").path("message").asText());
        assertEquals("", answers.get(11).path("result").path("value").asText(), "a declined answer stays empty");
    }
}
