package dev.hermesfront.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.FrameKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

    private static final FrameInfo READY = new FrameInfo(FrameKind.EVENT, "event", "gateway.ready");

    private static List<Mismatch> compare(String rules, FrameInfo info, String expected, String actual) throws Exception {
        return compare(Rules.parse(rules, "test"), TargetKind.GATEWAY, info, expected, actual);
    }

    private static List<Mismatch> compare(Rules rules, TargetKind kind, FrameInfo info, String expected, String actual)
            throws Exception {
        FrameComparer c = new FrameComparer(rules.forFile("t", kind));
        return c.compare(info, json(expected), json(actual), new Captures().begin(), "line 1");
    }

    private static String ready(String payloadExtra) {
        return "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": "
                + "{\"skin\": {}" + payloadExtra + "}}}";
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

    @Test
    void builtInRulesApplyToAnyFileName() throws Exception {
        FileRules r = Rules.builtIn().forFile("20261201-092905-140-2", TargetKind.GATEWAY);
        assertTrue(r.applies());
        assertTrue(r.pool("session.resume"));
        String created = "{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"result\": {\"session_id\": \"%s\", "
                + "\"stored_session_id\": \"%s\", \"info\": {\"started_at\": %s, \"cwd\": \"%s\"}}}";
        List<Mismatch> m = compare(Rules.builtIn(), TargetKind.GATEWAY, new FrameInfo(FrameKind.RESPONSE, "session.create", null),
                created.formatted("86e3bbba", "20261201_092909_542078", "1764581349.5", "/tmp/hermes-kit-agent.pUtT40/work"),
                created.formatted("a0d0c717", "20261201_093012_000001", "1764581412.25", "/tmp/hermes-kit-agent.kVOiQp/work"));
        assertEquals(List.of(), m);
        assertEquals(3, compare(Rules.none(), TargetKind.GATEWAY, new FrameInfo(FrameKind.RESPONSE, "session.create", null),
                created.formatted("86e3bbba", "20261201_092909_542078", "1764581349.5", "/tmp/x"),
                created.formatted("a0d0c717", "20261201_093012_000001", "1764581412.25", "/tmp/x")).size(),
                "without rules the ids and the timestamp differ");
        FrameInfo usage = new FrameInfo(FrameKind.RESPONSE, "session.usage", null);
        assertEquals(List.of(), compare(Rules.builtIn(), TargetKind.UPSTREAM, usage, "{\"result\": {\"total\": 3161}}",
                "{\"result\": {\"total\": 3168}}"));
        assertEquals(1, compare(Rules.builtIn(), TargetKind.UPSTREAM, usage, "{\"result\": {\"total\": 3161}}",
                "{\"result\": {\"total\": \"3168\"}}").size());
        FrameInfo list = new FrameInfo(FrameKind.RESPONSE, "session.active_list", null);
        assertEquals(List.of(), compare(Rules.builtIn(), TargetKind.GATEWAY, list,
                "{\"result\": {\"sessions\": [{\"preview\": \"Hello from the fake\"}]}}",
                "{\"result\": {\"sessions\": [{\"preview\": \"conformance check\"}]}}"));
    }

    @Test
    void aRulesFileExtendsTheBuiltInRulesAndItsRulesComeFirst() throws Exception {
        Rules more = Rules.parse("""
                {"poolMethods": ["my.method"],
                 "vary": [{"path": "**.started_at", "match": "string", "why": "mine"}],
                 "files": [{"name": "mine-*", "targets": ["upstream"], "why": "recorded upstream"}]}""", "mine.json");
        Rules rules = Rules.builtIn().extendedBy(more);
        assertEquals("built-in + mine.json", rules.source());
        FileRules r = rules.forFile("mine-1", TargetKind.UPSTREAM);
        assertTrue(r.pool("my.method") && r.pool("session.resume"), "pool methods of both");
        assertEquals("mine", r.vary().get(0).why(), "the extension's rule is tried first");
        assertFalse(rules.forFile("mine-1", TargetKind.GATEWAY).applies());
        assertTrue(rules.forFile("other", TargetKind.GATEWAY).applies());
        assertEquals(1, compare(rules, TargetKind.UPSTREAM, EVENT, "{\"started_at\": \"x\"}", "{\"started_at\": 5}").size(),
                "the extension's vary rule wins over the built-in one");
    }

    @Test
    void resolvesTheRulesFileExtendingOrReplacing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rules.json");
        Files.writeString(file, "{\"poolMethods\": [\"my.method\"]}");
        assertTrue(Rules.resolve(Optional.empty(), false).forFile("t", TargetKind.GATEWAY).pool("session.resume"));
        FileRules extended = Rules.resolve(Optional.of(file), false).forFile("t", TargetKind.GATEWAY);
        assertTrue(extended.pool("session.resume") && extended.pool("my.method"));
        FileRules replaced = Rules.resolve(Optional.of(file), true).forFile("t", TargetKind.GATEWAY);
        assertTrue(replaced.pool("my.method") && !replaced.pool("session.resume"));
        assertTrue(replaced.captures().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> Rules.resolve(Optional.empty(), true));
    }

    @Test
    void limitsRulesToTheirTargetKinds() throws Exception {
        Rules rules = Rules.parse("{\"vary\": [{\"targets\": [\"gateway\"], \"path\": \"a\", \"match\": \"any\"}]}", "t");
        assertEquals(List.of(), compare(rules, TargetKind.GATEWAY, EVENT, "{\"a\": 1}", "{\"a\": 2}"));
        assertEquals(1, compare(rules, TargetKind.UPSTREAM, EVENT, "{\"a\": 1}", "{\"a\": 2}").size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rules.parse("{\"vary\": [{\"targets\": [\"gateways\"], \"path\": \"a\"}]}", "r.json"));
        assertEquals("r.json: vary[0]: unknown target kind \"gateways\" (expected replay, standin, gateway or upstream)",
                e.getMessage());
    }

    @Test
    void bindsGeneratedValuesInsideStringsOneToOne() throws Exception {
        FrameComparer c = new FrameComparer(Rules.builtIn().forFile("t", TargetKind.GATEWAY));
        Captures captures = new Captures();
        Captures.Tx tx = captures.begin();
        assertEquals(List.of(), c.compare(EVENT, json("{\"cwd\": \"/tmp/hermes-kit-agent.pUtT40/work\", \"u\": \"http://127.0.0.1:33551/v1\"}"),
                json("{\"cwd\": \"/tmp/hermes-kit-agent.kVOiQp/work\", \"u\": \"http://127.0.0.1:39363/v1\"}"), tx, "line 2"));
        tx.commit();
        assertEquals("{\"path\": \"/tmp/hermes-kit-agent.kVOiQp/wd/a.txt\"}",
                captures.rewrite("{\"path\": \"/tmp/hermes-kit-agent.pUtT40/wd/a.txt\"}"), "client frames name the live directory");
        // Later, the recorded directory must stand for the same live one.
        assertEquals(List.of(), c.compare(EVENT, json("{\"d\": \"cd /tmp/hermes-kit-agent.pUtT40\"}"),
                json("{\"d\": \"cd /tmp/hermes-kit-agent.kVOiQp\"}"), captures.begin(), "line 3"));
        List<Mismatch> m = c.compare(EVENT, json("{\"d\": \"cd /tmp/hermes-kit-agent.pUtT40\"}"),
                json("{\"d\": \"cd /tmp/hermes-kit-agent.zzzzzz\"}"), captures.begin(), "line 4");
        assertEquals(1, m.size());
        // Two recorded directories cannot both be one live directory, and the rest of the string still counts.
        m = c.compare(EVENT, json("{\"d\": \"/tmp/hermes-kit-tui.aaaaaa /tmp/hermes-kit-tui.bbbbbb\"}"),
                json("{\"d\": \"/tmp/hermes-kit-tui.cccccc /tmp/hermes-kit-tui.cccccc\"}"), captures.begin(), "line 5");
        assertEquals(1, m.size(), m.toString());
        assertEquals(1, c.compare(EVENT, json("{\"cwd\": \"/tmp/hermes-kit-agent.pUtT40/work\"}"),
                json("{\"cwd\": \"/tmp/hermes-kit-agent.kVOiQp/home\"}"), new Captures().begin(), "line 6").size());
    }

    @Test
    void acceptsTheGatewaysDocumentedAdditionsToGatewayReadyAndNothingElse() throws Exception {
        Rules rules = Rules.builtIn();
        String recorded = ready("");
        for (TargetKind kind : List.of(TargetKind.GATEWAY, TargetKind.REPLAY, TargetKind.STANDIN)) {
            assertEquals(List.of(), compare(rules, kind, READY, recorded, ready(", \"hermes_front\": {\"resume_id\": \"abc\", \"reattached\": true}")));
            assertEquals(List.of(), compare(rules, kind, READY, recorded, ready(", \"heartbeat\": true")));
            assertEquals(List.of(), compare(rules, kind, READY, recorded, ready(", \"capabilities\": {\"hermes_front\": {\"peer\": \"a\"}}")));
            assertEquals(List.of(), compare(rules, kind, READY, ready(", \"capabilities\": {\"event_replay\": true}"),
                    ready(", \"capabilities\": {\"event_replay\": true, \"hermes_front\": {\"resume_id\": \"x\"}}")));
            List<Mismatch> m = compare(rules, kind, READY, recorded, ready(", \"heartbeat\": false"));
            assertEquals(List.of("params.payload.heartbeat"), m.stream().map(Mismatch::path).toList());
            assertTrue(m.get(0).reason().contains("rule added params.payload.heartbeat"), m.get(0).reason());
            m = compare(rules, kind, READY, recorded, ready(", \"capabilities\": {\"hermes_front\": {}, \"event_replay\": true}"));
            assertEquals(List.of("params.payload.capabilities.event_replay"), m.stream().map(Mismatch::path).toList());
            m = compare(rules, kind, READY, recorded, ready(", \"front\": {}, \"heartbeat\": \"yes\""));
            assertEquals(List.of("params.payload.front", "params.payload.heartbeat"), m.stream().map(Mismatch::path).toList());
            assertEquals(1, compare(rules, kind, READY, ready(", \"heartbeat\": true"), recorded).size(),
                    "recorded with heartbeat: it must be there");
        }
        for (String extra : List.of(", \"hermes_front\": {}", ", \"heartbeat\": true", ", \"capabilities\": {\"hermes_front\": {}}")) {
            assertEquals(1, compare(rules, TargetKind.UPSTREAM, READY, recorded, ready(extra)).size(),
                    "the real /api/ws adds nothing of hermes-front's: " + extra);
        }
        assertEquals(1, compare(rules, TargetKind.GATEWAY, EVENT, "{\"payload\": {}}", "{\"payload\": {\"heartbeat\": true}}").size(),
                "only on gateway.ready");
    }
}
