package dev.hermesfront.conformance;

import static dev.hermesfront.conformance.Replays.indexOf;
import static dev.hermesfront.conformance.Replays.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.transcript.Direction;
import dev.hermesfront.protocol.transcript.Transcript;
import dev.hermesfront.protocol.transcript.TranscriptEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: frames that may appear or not on either side ({@code session.title}) and members that depend on the
 * host ({@code session.info.payload.tools.browser}) pass, each named as tolerated; a frame that is not JSON-RPC 2.0
 * (JSON-RPC 2.0 Base's parser) is a named difference, on the target's side and in the recording; the recording's
 * wire generation is named.
 */
class ToleranceAndJsonRpcTest {
    private static final String TITLE = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"session.title\", "
            + "\"session_id\": \"e9718121\", \"payload\": {\"title\": \"Minimal turn\"}}}";

    private static List<Difference> of(TranscriptResult r, Difference.Type type) {
        return r.differences().stream().filter(d -> d.type() == type).toList();
    }

    /** Returns {@code t} with a server frame inserted after the entry at {@code index}. */
    private static Transcript inserted(Transcript t, int index, String frame) {
        return Replays.edited(t, list -> {
            TranscriptEntry e = list.get(index);
            list.add(index + 1, new TranscriptEntry(e.tMillis(), Direction.S2C, e.conn(), frame, true, false, e.line()));
            return list;
        });
    }

    @Test
    void aSessionTitleTheRecordingLacksPassesNamedAsTolerated() throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        Transcript played = inserted(t, indexOf(t, Direction.S2C, "\"message.complete\""), TITLE);

        TranscriptResult r = run(t, played, false);

        assertEquals(TranscriptResult.Status.PASSED, r.status(), r::render);
        assertEquals(1, r.tolerated().size(), r::render);
        Difference d = r.tolerated().get(0);
        assertEquals(Difference.Type.TOLERATED, d.type());
        assertTrue(d.frame().contains("session.title") && d.detail().contains("not in the recording")
                && d.detail().contains("rule tolerated event session.title"), d::render);
        assertTrue(r.render().contains("TOLERATED") && r.applied().contains("tolerated event session.title"), r::render);

        // Exact mode relaxes nothing: the same frame is unexpected there.
        TranscriptResult exact = run(t, played, true);
        assertEquals(TranscriptResult.Status.FAILED, exact.status(), exact::render);
    }

    @Test
    void aRecordedSessionTitleThatDoesNotComePassesNamedAsTolerated() throws Exception {
        Transcript played = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        Transcript t = inserted(played, indexOf(played, Direction.S2C, "\"message.complete\""), TITLE);

        TranscriptResult r = run(t, played, false);

        assertEquals(TranscriptResult.Status.PASSED, r.status(), r::render);
        assertEquals(1, r.tolerated().size(), r::render);
        assertTrue(r.tolerated().get(0).detail().startsWith("recorded, did not arrive (rule tolerated event session.title"),
                r::render);
    }

    @Test
    void aToolsetTheHostAddsPassesNamedAsTolerated() throws Exception {
        // The same recording replayed where chromium is installed: the agent offers a browser toolset.
        Transcript t = Replays.read("real/real-tui-startup-prompt.ws.jsonl");
        int i = indexOf(t, Direction.S2C, "\"session.info\"", "\"tools\": {");
        Transcript played = Replays.serverFrameChanged(t, i, s -> s.replace("\"tools\": {",
                "\"tools\": {\"browser\": [\"browser_navigate\", \"browser_snapshot\"], "));

        TranscriptResult r = run(t, played, false);

        assertEquals(TranscriptResult.Status.PASSED, r.status(), r::render);
        Difference d = r.tolerated().stream().filter(x -> x.path().equals("params.payload.tools.browser")).findFirst()
                .orElseThrow(() -> new AssertionError(r.render()));
        assertEquals(t.entries().get(i).line(), d.line(), r::render);
        assertTrue(d.detail().contains("depends on the host: not in the recording (rule host params.payload.tools.*"),
                d::render);
        assertTrue(d.actual().contains("browser_navigate"), d::render);

        // And the other way round: recorded on the host with a browser, replayed on one without.
        TranscriptResult back = run(played, t, false);
        assertEquals(TranscriptResult.Status.PASSED, back.status(), back::render);
        assertTrue(back.tolerated().stream().anyMatch(x -> x.path().equals("params.payload.tools.browser")
                && x.detail().contains("recorded, absent here")), back::render);
    }

    @Test
    void aResponseWithJsonRpcVersionOneIsNamed() throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int i = indexOf(t, Direction.S2C, "\"result\"");
        Transcript played = Replays.serverFrameChanged(t, i, s -> s.replace("\"jsonrpc\": \"2.0\"", "\"jsonrpc\": \"1.0\""));

        TranscriptResult r = run(t, played, false);

        assertEquals(TranscriptResult.Status.FAILED, r.status(), r::render);
        List<Difference> bad = of(r, Difference.Type.JSONRPC);
        assertEquals(1, bad.size(), r::render);
        assertTrue(bad.get(0).detail().contains("not JSON-RPC 2.0 (JSON-RPC 2.0 Base)")
                && bad.get(0).detail().contains("Version must be \"2.0\""), bad.get(0)::render);
        assertTrue(bad.get(0).actual().contains("\"1.0\""), bad.get(0)::render);
        assertTrue(bad.get(0).frame().startsWith("response"), bad.get(0)::render);
    }

    @Test
    void aResponseWithBothResultAndErrorIsNamed() throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int i = indexOf(t, Direction.S2C, "\"result\"");
        Transcript played = Replays.serverFrameChanged(t, i,
                s -> s.replace("\"result\":", "\"error\": {\"code\": -32603, \"message\": \"boom\"}, \"result\":"));

        TranscriptResult r = run(t, played, false);

        List<Difference> bad = of(r, Difference.Type.JSONRPC);
        assertEquals(1, bad.size(), r::render);
        assertTrue(bad.get(0).detail().contains("cannot have result and error at the same time"), bad.get(0)::render);
        // Exact mode checks JSON-RPC too.
        assertEquals(1, of(run(t, played, true), Difference.Type.JSONRPC).size());
    }

    @Test
    void aRecordingThatIsNotJsonRpcIsNamedOnceAsTheRecordings() throws Exception {
        Transcript good = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int i = indexOf(good, Direction.S2C, "\"result\"");
        Transcript t = Replays.serverFrameChanged(good, i, s -> s.replace("\"jsonrpc\": \"2.0\", ", ""));

        TranscriptResult r = run(t, t, false);

        List<Difference> bad = of(r, Difference.Type.JSONRPC);
        assertEquals(1, bad.size(), r::render);
        assertEquals(t.entries().get(i).line(), bad.get(0).line(), r::render);
        assertTrue(bad.get(0).detail().startsWith("the recording itself is not JSON-RPC 2.0")
                && bad.get(0).detail().contains("Version string missing"), bad.get(0)::render);
    }

    @Test
    void jsonRpcCheckNamesEachViolation() {
        JsonRpcCheck c = new JsonRpcCheck();
        assertTrue(c.violation("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"x\"}}").isEmpty());
        assertTrue(c.violation("{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32700, \"message\": \"parse error\"}, \"id\": null}")
                .isEmpty());
        assertTrue(c.violation("{\"jsonrpc\": \"2.0\", \"id\": \"srq-0123456789ab\", \"method\": \"approval\", \"params\": {}}")
                .isEmpty());
        assertTrue(c.violation("{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": NaN}").orElseThrow().contains("NaN"));
        assertTrue(c.violation("{\"jsonrpc\": \"2.0\", \"id\": [1], \"result\": 1}").orElseThrow().contains("scalar"));
        assertTrue(c.violation("{\"jsonrpc\": \"2.0\", \"id\": 1, \"error\": {\"code\": \"x\", \"message\": \"m\"}}")
                .orElseThrow().contains("code"));
        assertTrue(c.violation("[{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": 1}]").orElseThrow().contains("batch"));
    }

    @Test
    void theRecordedWireIsNamedForEachShape() throws Exception {
        ObjectMapper m = new ObjectMapper();
        assertEquals("shared-session-v1", WireProbe.generation(m.readTree("{\"skin\": {}, \"change_events\": true, "
                + "\"heartbeat\": true, \"replay_epoch\": \"ab\", \"shared_session\": {\"version\": 1, \"socket_id\": \"cd\"}}")));
        assertEquals("current-v1", WireProbe.generation(m.readTree("{\"replay_epoch\": \"ab\", \"capabilities\": {}, "
                + "\"protocol\": {\"version\": 1}}")));
        assertEquals("fork-2026-07", WireProbe.generation(m.readTree("{\"skin\": {}}")));
        assertEquals("fork-2026-07", WireProbe.generation(m.readTree("{\"skin\": {}, \"capabilities\": {\"hermes_front\": "
                + "{\"resume_id\": \"ab\"}}}")), "a fork ready that a front re-attached is still the fork's");

        TranscriptResult r = run(Replays.read("fixtures/ws-02-minimal-turn.jsonl"), Replays.read("fixtures/ws-02-minimal-turn.jsonl"),
                false);
        assertEquals("fork-2026-07", r.wire(), r::render);
        assertTrue(r.render().contains("recorded wire: fork-2026-07; rules applied: "), r::render);
    }
}
