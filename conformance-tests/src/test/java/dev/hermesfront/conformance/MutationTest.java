package dev.hermesfront.conformance;

import static dev.hermesfront.conformance.Replays.indexOf;
import static dev.hermesfront.conformance.Replays.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.protocol.transcript.Direction;
import dev.hermesfront.protocol.transcript.Transcript;
import dev.hermesfront.protocol.transcript.TranscriptEntry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A deliberately changed server side (the replay agent plays an edited transcript) must make the runner
 * fail with a difference that names the frame (its transcript line), the JSON path and both values; what
 * the protocol allows to vary must still pass.
 */
class MutationTest {

    private static Difference only(TranscriptResult r, Difference.Type type) {
        assertEquals(TranscriptResult.Status.FAILED, r.status(), r::render);
        List<Difference> of = r.differences().stream().filter(d -> d.type() == type).toList();
        assertEquals(1, of.size(), () -> "one " + type + " difference expected:\n" + r.render());
        return of.get(0);
    }

    @ParameterizedTest(name = "exact={0}")
    @ValueSource(booleans = {false, true})
    void failsOnARenamedEventTypeNamingTheFrameAndPath(boolean exact) throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int i = indexOf(t, Direction.S2C, "\"message.delta\"", "\"Hel\"");
        Transcript played = Replays.serverFrameChanged(t, i, s -> s.replace("\"message.delta\"", "\"message.chunk\""));

        TranscriptResult r = run(t, played, exact);

        Difference d = only(r, Difference.Type.CONTENT);
        assertEquals(t.entries().get(i).line(), d.line(), r::render);
        assertEquals("params.type", d.path(), r::render);
        assertEquals("\"message.delta\"", d.expected());
        assertEquals("\"message.chunk\"", d.actual());
        assertEquals(r.differences().size(), 1, r::render);
    }

    @ParameterizedTest(name = "exact={0}")
    @ValueSource(booleans = {false, true})
    void failsOnAChangedIdTypeNamingTheResponse(boolean exact) throws Exception {
        Transcript t = Replays.read("fixtures/ws-01-connect-ready-and-errors.jsonl");
        int i = indexOf(t, Direction.S2C, "\"id\": 5,");
        Transcript played = Replays.serverFrameChanged(t, i, s -> s.replace("\"id\": 5,", "\"id\": \"5\","));

        TranscriptResult r = run(t, played, exact);

        Difference d = only(r, Difference.Type.CONTENT);
        assertEquals(t.entries().get(i).line(), d.line(), r::render);
        assertEquals("id", d.path(), r::render);
        assertEquals("5", d.expected());
        assertEquals("\"5\"", d.actual());
        assertTrue(d.detail().contains("integer") && d.detail().contains("string"), d::render);
        assertEquals(1, r.differences().size(), r::render);
    }

    @ParameterizedTest(name = "exact={0}")
    @ValueSource(booleans = {false, true})
    void failsOnADroppedFrameNamingIt(boolean exact) throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int i = indexOf(t, Direction.S2C, "\"message.delta\"", "\"lo\"");
        Transcript played = Replays.edited(t, list -> {
            list.remove(i);
            return list;
        });

        TranscriptResult r = run(t, played, exact);

        Difference d = only(r, Difference.Type.MISSING);
        assertEquals(t.entries().get(i).line(), d.line(), r::render);
        assertTrue(d.frame().contains("message.delta"), d::render);
        assertTrue(d.expected().contains("\"lo\""), d::render);
        assertEquals(1, r.differences().size(), r::render);
    }

    @Test
    void namesADroppedFrameAndARenamedNeighbourSeparately() throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int lo = indexOf(t, Direction.S2C, "\"lo\"");
        int wor = indexOf(t, Direction.S2C, "\" wor\"");
        Transcript renamed = Replays.serverFrameChanged(t, wor, s -> s.replace("\"message.delta\"", "\"message.chunk\""));
        Transcript played = Replays.edited(renamed, list -> {
            list.remove(lo);
            return list;
        });

        TranscriptResult r = run(t, played, false);

        assertEquals(2, r.differences().size(), r::render);
        Difference content = only(r, Difference.Type.CONTENT);
        assertEquals(t.entries().get(wor).line(), content.line(), r::render);
        assertEquals("params.type", content.path());
        assertEquals(t.entries().get(lo).line(), only(r, Difference.Type.MISSING).line(), r::render);
    }

    @Test
    void failsWhenAnInlineRequestIsAnsweredAfterALaterOne() throws Exception {
        // r7 and r8 (config.get, inline) are both in flight: the agent answers them in the order they were sent.
        Transcript t = Replays.read("real/real-tui-startup-prompt.ws.jsonl");
        Transcript played = swapped(t, indexOf(t, Direction.S2C, "\"id\": \"r7\""), indexOf(t, Direction.S2C, "\"id\": \"r8\""));

        TranscriptResult r = run(t, played, false);

        Difference d = only(r, Difference.Type.ORDER);
        assertEquals(t.entries().get(indexOf(t, Direction.S2C, "\"id\": \"r8\"")).line(), d.line(), r::render);
        assertTrue(d.frame().contains("\"r8\"") && d.frame().contains("config.get"), d::render);
        assertTrue(d.detail().contains("\"r7\""), d::render);
        assertEquals(1, r.differences().size(), r::render);
    }

    @Test
    void passesWhenPoolResponsesComeOutOfOrderButExactModeDoesNot() throws Exception {
        // r4 (setup.status) and r5 (pet.cells) are pool requests: either may be answered first (tui-wire.md §5.1).
        Transcript t = Replays.read("real/real-tui-startup-prompt.ws.jsonl");
        int r5 = indexOf(t, Direction.S2C, "\"id\": \"r5\"");
        int r4 = indexOf(t, Direction.S2C, "\"id\": \"r4\"");
        Transcript played = swapped(t, r5, r4);

        TranscriptResult rules = run(t, played, false);
        assertEquals(TranscriptResult.Status.PASSED, rules.status(), rules::render);

        TranscriptResult exact = run(t, played, true);
        Difference d = only(exact, Difference.Type.ORDER);
        assertEquals(t.entries().get(r5).line(), d.line(), exact::render);
    }

    @Test
    void passesWhenAnEventComesBeforeTheResponseOfItsRequest() throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int start = indexOf(t, Direction.S2C, "\"message.start\"");
        int response = indexOf(t, Direction.S2C, "\"id\": \"r2\"");
        TranscriptResult r = run(t, swapped(t, start, response), false);
        assertEquals(TranscriptResult.Status.PASSED, r.status(), r::render);
    }

    @Test
    void failsWhenEventsOfOneSessionAreReordered() throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int hel = indexOf(t, Direction.S2C, "\"Hel\"");
        int lo = indexOf(t, Direction.S2C, "\"lo\"");

        TranscriptResult r = run(t, swapped(t, hel, lo), false);

        Difference d = only(r, Difference.Type.ORDER);
        assertEquals(t.entries().get(hel).line(), d.line(), r::render);
        assertEquals(1, r.differences().size(), r::render);
    }

    @Test
    void failsOnAnUnexpectedExtraFrame() throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int i = indexOf(t, Direction.S2C, "\"message.complete\"");
        Transcript played = Replays.edited(t, list -> {
            TranscriptEntry e = list.get(i);
            list.add(i, new TranscriptEntry(e.tMillis(), e.dir(), e.conn(),
                    "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"status.update\", \"session_id\": "
                            + "\"e9718121\", \"payload\": {\"kind\": \"status\", \"text\": \"extra\"}}}", true, false, 0));
            return list;
        });

        TranscriptResult r = run(t, played, false);

        Difference d = only(r, Difference.Type.UNEXPECTED);
        assertTrue(d.frame().contains("status.update") && d.actual().contains("extra"), d::render);
        assertEquals(1, r.differences().size(), r::render);
    }

    @Test
    void failsOnAnExtraFrameAfterTheLastRecordedOne() throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        Transcript played = Replays.edited(t, list -> {
            TranscriptEntry last = list.get(list.size() - 1);
            list.add(new TranscriptEntry(last.tMillis(), Direction.S2C, last.conn(),
                    "{\"jsonrpc\": \"2.0\", \"id\": \"r4\", \"result\": {\"closed\": true}}", true, false, 0));
            return list;
        });

        TranscriptResult r = run(t, played, false);

        Difference d = only(r, Difference.Type.UNEXPECTED);
        assertTrue(d.frame().contains("\"r4\""), d::render);
        assertEquals(1, r.differences().size(), r::render);
    }

    @Test
    void capturesGeneratedIdsAndRewritesTheClientFramesThatUseThem() throws Exception {
        // The agent picks other session ids and stored keys than the recording, consistently: rules mode passes,
        // and the client frames that named the recorded session reached the agent with the new id.
        Transcript t = Replays.read("fixtures/ws-05-disconnect-and-reattach.jsonl");
        Transcript played = Replays.edited(t, list -> {
            list.replaceAll(e -> new TranscriptEntry(e.tMillis(), e.dir(), e.conn(),
                    e.text().replace("08ef69a4", "5eed0001").replace("20261122_021807_b50927", "20270101_000000_abcdef"),
                    e.json(), e.binary(), e.line()));
            return list;
        });
        TranscriptResult r = run(t, played, false);
        assertEquals(TranscriptResult.Status.PASSED, r.status(), r::render);

        TranscriptResult exact = run(t, played, true);
        assertEquals(TranscriptResult.Status.FAILED, exact.status(), exact::render);
    }

    @Test
    void failsWhenACapturedSessionIdChangesLater() throws Exception {
        Transcript t = Replays.read("fixtures/ws-02-minimal-turn.jsonl");
        int i = indexOf(t, Direction.S2C, "\"message.complete\"");
        Transcript played = Replays.serverFrameChanged(t, i, s -> s.replace("e9718121", "0badf00d"));

        TranscriptResult r = run(t, played, false);

        Difference d = only(r, Difference.Type.CONTENT);
        assertEquals(t.entries().get(i).line(), d.line(), r::render);
        assertEquals("params.session_id", d.path());
        assertTrue(d.detail().contains("captured at line"), d::render);
    }

    @Test
    void failsOnAnotherCloseCodeThanTheRulesExpectForTheTarget() throws Exception {
        // Against the upstream /api/ws a binary message ends the connection with 1000; hermes-front sends 1003.
        Transcript t = Replays.read("fixtures/ws-01-connect-ready-and-errors.jsonl");
        Rules rules = Rules.parse("{\"files\": [{\"name\": \"ws-01-*\", \"close\": {\"upstream\": 1000, \"replay\": 1003}}]}", "test");
        TranscriptResult r = run(t, t, false, rules.forFile(t.name(), TargetKind.UPSTREAM));
        Difference d = only(r, Difference.Type.CLOSE);
        assertEquals("1000", d.expected(), d::render);
        assertTrue(d.actual().contains("1003"), d::render);
    }

    private static Transcript swapped(Transcript t, int a, int b) {
        return Replays.edited(t, list -> {
            TranscriptEntry ea = list.get(a);
            TranscriptEntry eb = list.get(b);
            // keep recorded lines and times in place; only the frames change position
            list.set(a, new TranscriptEntry(ea.tMillis(), eb.dir(), eb.conn(), eb.text(), eb.json(), eb.binary(), ea.line()));
            list.set(b, new TranscriptEntry(eb.tMillis(), ea.dir(), ea.conn(), ea.text(), ea.json(), ea.binary(), eb.line()));
            return list;
        });
    }
}
