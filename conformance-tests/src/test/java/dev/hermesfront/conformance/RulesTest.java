package dev.hermesfront.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.FrameKind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rules file and the comparer, on small frames. */
class RulesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final FrameInfo EVENT = new FrameInfo(FrameKind.EVENT, "event", "session.info");
    private static final FrameInfo RESPONSE = new FrameInfo(FrameKind.RESPONSE, "session.active_list", null);

    private static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    private static List<Mismatch> compare(String rules, FrameInfo info, String expected, String actual) throws Exception {
        FrameComparer c = new FrameComparer(Rules.parse(rules, "test").forFile("t", TargetKind.GATEWAY));
        return c.compare(info, json(expected), json(actual), new Captures().begin(), "line 1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "result.session_id|result.session_id|true",
        "**.usage.*|params.payload.usage.input|true",
        "**.usage.*|usage.input|true",
        "**.usage.*|params.payload.usage|false",
        "result.sessions[*].id|result.sessions[3].id|true",
        "result.sessions[*].id|result.sessions.id|false",
        "*.a|x.a|true",
        "*.a|x.y.a|false",
    })
    void matchesPathPatterns(String pattern, String path, boolean matches) {
        assertEquals(matches, PathPattern.parse(pattern).matches(PathPattern.segmentsOf(path)));
    }

    @Test
    void comparesExactlyWithoutRules() throws Exception {
        assertEquals(List.of(), compare("{}", EVENT, "{\"a\": [1, \"x\"], \"b\": 2.5}", "{\"b\": 2.5, \"a\": [1, \"x\"]}"));
        List<Mismatch> m = compare("{}", EVENT, "{\"a\": 1, \"b\": true}", "{\"a\": 1.0, \"c\": null}");
        assertEquals(List.of("a", "b", "c"), m.stream().map(Mismatch::path).toList());
        assertEquals("expected an integer, got a float", m.get(0).reason());
        assertEquals("missing", m.get(1).reason());
        assertEquals("not in the recording", m.get(2).reason());
    }

    @Test
    void appliesVaryRulesBySelectorAndPath() throws Exception {
        String rules = "{\"vary\": [{\"event\": \"session.info\", \"path\": \"params.n\", \"match\": \"number\"}]}";
        assertEquals(List.of(), compare(rules, EVENT, "{\"params\": {\"n\": 1}}", "{\"params\": {\"n\": 7.5}}"));
        assertEquals(1, compare(rules, EVENT, "{\"params\": {\"n\": 1}}", "{\"params\": {\"n\": \"7\"}}").size());
        assertEquals(1, compare(rules, RESPONSE, "{\"params\": {\"n\": 1}}", "{\"params\": {\"n\": 7}}").size(),
                "the rule is for session.info events only");
    }

    @Test
    void expandsPlaceholders() throws Exception {
        String rules = "{\"placeholders\": [{\"text\": \"<port>\", \"regex\": \"[0-9]+\"}]}";
        assertEquals(List.of(), compare(rules, EVENT, "{\"u\": \"http://h:<port>/v1\"}", "{\"u\": \"http://h:8080/v1\"}"));
        assertEquals(1, compare(rules, EVENT, "{\"u\": \"http://h:<port>/v1\"}", "{\"u\": \"http://h:80/v2\"}").size());
    }

    @Test
    void capturesOnceThenRequiresTheSameValue() throws Exception {
        FrameComparer c = new FrameComparer(Rules.parse("{\"captures\": [{\"path\": \"result.sid\"}]}", "t")
                .forFile("t", TargetKind.GATEWAY));
        Captures captures = new Captures();
        Captures.Tx tx = captures.begin();
        assertEquals(List.of(), c.compare(RESPONSE, json("{\"result\": {\"sid\": \"aa\"}}"), json("{\"result\": {\"sid\": \"bb\"}}"), tx, "line 3"));
        tx.commit();
        assertEquals("{\"session_id\": \"bb\"}", captures.rewrite("{\"session_id\": \"aa\"}"));
        // anywhere later, the recorded value stands for the captured one
        assertEquals(List.of(), c.compare(EVENT, json("{\"x\": [\"aa\"]}"), json("{\"x\": [\"bb\"]}"), captures.begin(), "line 4"));
        List<Mismatch> m = c.compare(EVENT, json("{\"x\": \"aa\"}"), json("{\"x\": \"cc\"}"), captures.begin(), "line 5");
        assertEquals(1, m.size());
        assertTrue(m.get(0).reason().startsWith("captured at line 3 result.sid as \"bb\""), m.get(0).reason());
    }

    @Test
    void containsFindsEachRecordedElementAmongOthers() throws Exception {
        String rules = "{\"captures\": [{\"path\": \"result.sid\"}], "
                + "\"vary\": [{\"path\": \"result.sessions\", \"match\": \"contains\"}]}";
        String expected = "{\"result\": {\"sessions\": [{\"id\": \"s1\", \"n\": 1}]}}";
        assertEquals(List.of(), compare(rules, RESPONSE, expected,
                "{\"result\": {\"sessions\": [{\"id\": \"other\", \"n\": 5}, {\"id\": \"s1\", \"n\": 1}]}}"));
        List<Mismatch> m = compare(rules, RESPONSE, expected, "{\"result\": {\"sessions\": [{\"id\": \"s1\", \"n\": 2}]}}");
        assertEquals(1, m.size());
        assertEquals("result.sessions[0]", m.get(0).path());
        assertTrue(m.get(0).reason().contains("differing at result.sessions[0].n"), m.get(0).reason());
    }

    @Test
    void resolvesPerFileEntriesInOrderAndPerTargetKind() {
        Rules rules = Rules.parse("""
                {"vary": [{"path": "a", "match": "any"}],
                 "files": [
                   {"name": "ws-*", "targets": ["replay"], "why": "stub agent"},
                   {"name": "ws-01-*", "targets": ["replay", "upstream"], "close": {"upstream": 1000, "replay": 1003}},
                   {"name": "ws-01-x", "agentExit": 3, "vary": [{"path": "b", "match": "any"}]}
                 ]}""", "test");
        FileRules up = rules.forFile("ws-01-x", TargetKind.UPSTREAM);
        assertTrue(up.applies());
        assertEquals(1000, up.closeCode().getAsInt());
        assertEquals(3, up.agentExit().getAsInt());
        assertEquals(List.of("b", "a"), up.vary().stream().map(v -> v.path().toString()).toList(), "file rules first");
        assertEquals(1003, rules.forFile("ws-01-x", TargetKind.REPLAY).closeCode().getAsInt());
        FileRules other = rules.forFile("ws-02", TargetKind.GATEWAY);
        assertFalse(other.applies());
        assertEquals("does not apply to a gateway target: stub agent", other.skipReason());
        assertTrue(rules.forFile("real-x", TargetKind.GATEWAY).applies());
    }

    @Test
    void rejectsUnknownKeysAndMatches() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rules.parse("{\"files\": [{\"name\": \"x\", \"clsoe\": {}}]}", "rules.json"));
        assertEquals("rules.json: files[0]: unknown key \"clsoe\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Rules.parse("{\"vary\": [{\"path\": \"a\", \"match\": \"numbr\"}]}", "rules.json"));
        assertTrue(e.getMessage().startsWith("rules.json: vary[0]: unknown match \"numbr\""), e.getMessage());
    }

    @Test
    void theProjectRulesFileLoads() {
        FileRules r = Replays.RULES.forFile("real-tui-startup-prompt.ws", TargetKind.UPSTREAM);
        assertTrue(r.applies());
        assertTrue(r.pool("setup.status") && !r.pool("config.get"));
    }
}
