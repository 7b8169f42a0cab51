package dev.hermesfront.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.replay.ReplayLauncher;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.Direction;
import dev.hermesfront.protocol.transcript.Transcript;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The command line: exit status 0/1/2, what it prints, and the JUnit XML it writes. */
class ConformanceMainTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private int run(String... args) {
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        return ConformanceMain.commandLine(out).execute(args);
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void exitsZeroWhenEverythingPassesAndWritesJUnitXml() throws Exception {
        Path file = Replays.file("real/real-ws-errors.ws.jsonl");
        Path junit = tmp.resolve("reports/conformance.xml");
        try (InProcessGateway gateway = InProcessGateway.start(ReplayLauncher.of(Transcript.read(file)))) {
            int code = run("--target", gateway.uri().toString(), "--kind", "replay", "--junit", junit.toString(), file.toString());
            assertEquals(0, code, printed());
        }
        assertTrue(printed().contains("PASS real-ws-errors.ws"), printed());
        assertTrue(printed().contains("token=<redacted>") && !printed().contains(InProcessGateway.TOKEN), printed());
        Element suite = suite(junit);
        assertEquals("1", suite.getAttribute("tests"));
        assertEquals("0", suite.getAttribute("failures"));
        assertEquals("conformance.replay", suite.getAttribute("name"));
    }

    @Test
    void exitsOneWithTheDifferenceWhenAFrameDiffers() throws Exception {
        Path file = Replays.file("fixtures/ws-02-minimal-turn.jsonl");
        Transcript t = Transcript.read(file);
        Transcript played = Replays.serverFrameChanged(t, Replays.indexOf(t, Direction.S2C, "\"Hel\""),
                s -> s.replace("\"Hel\"", "\"Help\""));
        Path junit = tmp.resolve("j.xml");
        try (InProcessGateway gateway = InProcessGateway.start(ReplayLauncher.of(played))) {
            int code = run("--target", gateway.uri().toString(), "--kind", "replay", "--wait", "2", "--junit",
                    junit.toString(), file.toString());
            assertEquals(1, code, printed());
        }
        assertTrue(printed().contains("FAIL ws-02-minimal-turn"), printed());
        assertTrue(printed().contains("at params.payload.text: different string"), printed());
        assertTrue(printed().contains("expected: \"Hel\"") && printed().contains("actual:   \"Help\""), printed());
        Element suite = suite(junit);
        assertEquals("1", suite.getAttribute("failures"));
        Element failure = (Element) suite.getElementsByTagName("failure").item(0);
        assertEquals("1 difference", failure.getAttribute("message"));
        assertTrue(failure.getTextContent().contains("params.payload.text"), failure.getTextContent());
    }

    @Test
    void exitsTwoWhenTheTargetCannotBeReached() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path junit = tmp.resolve("j.xml");
        int code = run("--target", "ws://127.0.0.1:" + port + "/api/ws?token=x", "--junit", junit.toString(),
                Replays.file("real/real-ws-errors.ws.jsonl").toString());
        assertEquals(2, code, printed());
        assertTrue(printed().contains("ERROR real-ws-errors.ws: cannot connect"), printed());
        assertEquals("1", suite(junit).getAttribute("errors"));
    }

    @Test
    void exitsTwoOnBadArguments() {
        assertEquals(2, run("--target", "http://127.0.0.1:1/api/ws", Replays.file("real").toString()));
        assertEquals(2, run("--target", "ws://127.0.0.1:1/api/ws", "--kind", "nonsense", Replays.file("real").toString()));
        assertEquals(2, run("--target", "ws://127.0.0.1:1/api/ws", tmp.toString()));
        assertEquals(2, run(Replays.file("real").toString()));
    }

    @Test
    void skipsTranscriptsThatDoNotApplyToTheKindOfTarget() throws Exception {
        Path file = Replays.file("fixtures/ws-02-minimal-turn.jsonl");
        int code = run("--target", "ws://127.0.0.1:1/api/ws", "--kind", "upstream", file.toString());
        assertEquals(0, code, printed());
        assertTrue(printed().contains("SKIP ws-02-minimal-turn: does not apply to a upstream target: recorded for the spec"),
                printed());
    }

    @Test
    void reportsTheWireGenerationOnceAndInTheJUnitXml() throws Exception {
        Path file = Replays.file("current/current-02-capabilities.jsonl");
        Path junit = tmp.resolve("current.xml");
        try (InProcessGateway gateway = InProcessGateway.start(new CurrentWireLauncher(new ObjectMapper(), new FrameCodec()))) {
            int code = run("--target", gateway.uri().toString(), "--kind", "standin", "--junit", junit.toString(), file.toString());
            assertEquals(0, code, printed());
        }
        String wire = "wire: current-v1 (gateway.ready with protocol.version 1, replay_epoch, capabilities, change_events, "
                + "heartbeat true; gateway.ping answered {\"ok\": true})";
        assertEquals(1, printed().split(java.util.regex.Pattern.quote(wire), -1).length - 1, printed());
        assertTrue(Files.readString(junit).contains("<property name=\"wire\" value=\"current-v1\"/>"), Files.readString(junit));

        printed.reset();
        try (InProcessGateway gateway = InProcessGateway.start(new DemoLauncher(new ObjectMapper(), new FrameCodec()))) {
            run("--target", gateway.uri().toString(), "--wait", "2", "--junit", junit.toString(), file.toString());
        }
        assertTrue(printed().contains("wire: fork-2026-07 (gateway.ready without protocol, replay_epoch or capabilities; "
                + "gateway.ping answered {\"ok\": true})"), printed());
        assertTrue(Files.readString(junit).contains("<property name=\"wire\" value=\"fork-2026-07\"/>"));

        printed.reset();
        run("--target", "ws://127.0.0.1:1/api/ws", "--kind", "replay", file.toString());
        assertTrue(printed().contains("wire: not probed (the replay agent plays what was recorded)"), printed());
    }

    private static Element suite(Path junit) throws Exception {
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile());
        return (Element) d.getElementsByTagName("testsuite").item(0);
    }
}
