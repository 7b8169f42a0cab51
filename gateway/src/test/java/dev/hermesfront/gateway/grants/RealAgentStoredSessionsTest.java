package dev.hermesfront.gateway.grants;

import static dev.hermesfront.gateway.grants.GrantFixture.answer;
import static dev.hermesfront.gateway.grants.GrantFixture.call;
import static dev.hermesfront.gateway.grants.GrantFixture.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.config.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, F6 against the REAL agent ({@code shared/kit/real-agent.sh}, one Hermes home, so one state.db, shared by
 * every agent process as in a real install): bob's {@code session.list} does not show alice's conversation, and his
 * resume of her stored id is refused. Needs {@code HERMES_GIT_DIR} (skipped without it).
 */
class RealAgentStoredSessionsTest {
    static final String ALICE = "alice-token-0123456789";
    static final String BOB = "bob-token-0123456789ab";

    @TempDir
    Path dir;
    private GrantFixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    private static Path kit() {
        String k = System.getenv("HERMES_KIT_DIR");
        return k != null ? Path.of(k) : Path.of(System.getProperty("user.dir")).getParent().resolveSibling("shared").resolve("kit");
    }

    /** Creates a session and runs one real turn; returns the stored session id. */
    private static String converse(WsTestClient c, String text) throws Exception {
        assertTrue(c.next().contains("gateway.ready"));
        c.send(call("c1", "session.create", "{\"cols\": 80}"));
        JsonNode r = answer(c, "c1").path("result");
        String sid = r.path("session_id").asText();
        c.send(call("p1", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"" + text + "\"}"));
        until(c, x -> x.path("params").path("type").asText("").equals("message.complete"));
        c.send(call("i1", "session.status", "{\"session_id\": \"" + sid + "\"}"));
        answer(c, "i1");
        String stored = r.path("info").path("stored_session_id").asText(r.path("stored_session_id").asText(r.path("session_key").asText("")));
        assertFalse(stored.isEmpty(), "the real agent names the stored session: " + r);
        return stored;
    }

    private static String list(WsTestClient c, String id) throws Exception {
        c.send(call(id, "session.list", "{}"));
        return answer(c, id).toString();
    }

    @Test
    void bobNeverSeesNorResumesAlicesStoredConversation() throws Exception {
        String git = System.getenv("HERMES_GIT_DIR");
        assumeTrue(git != null && !git.isBlank(), "HERMES_GIT_DIR not set (see shared/kit/README.md)");
        assumeTrue(Files.isExecutable(kit().resolve("real-agent.sh")), "no kit at " + kit());
        Path home = Files.createDirectories(dir.resolve("home"));
        AgentCommand cmd = AgentCommand.of(List.of(kit().resolve("real-agent.sh").toString(), "--home", home.toString(),
                "--stderr", dir.resolve("agent.err").toString()), null, Map.of("HERMES_GIT_DIR", git)).withGraces(Duration.ofSeconds(2),
                Duration.ofSeconds(1));
        f = new GrantFixture(dir, HubSettings.defaults(), new ProcessLauncher(cmd), new Credential.Token("alice", Secret.of(ALICE), "chat"),
                new Credential.Token("bob", Secret.of(BOB), "chat"));
        WsTestClient alice = f.connect("?token=" + ALICE);
        String a = converse(alice, "alice secret plans");
        WsTestClient bob = f.connect("?token=" + BOB);
        String b = converse(bob, "bob diary");

        String bobList = list(bob, "l1");
        assertTrue(bobList.contains(b), bobList);
        assertFalse(bobList.contains(a) || bobList.contains("alice secret plans"), "bob lists alice's conversation: " + bobList);
        String aliceList = list(alice, "l2");
        assertTrue(aliceList.contains(a), aliceList);
        assertFalse(aliceList.contains(b), aliceList);
        bob.send(call("r1", "session.resume", "{\"session_id\": \"" + a + "\", \"cols\": 80}"));
        JsonNode refused = answer(bob, "r1");
        assertEquals(4007, refused.path("error").path("code").asInt(), refused.toString());
        bob.send(call("m1", "session.most_recent", "{}"));
        JsonNode recent = answer(bob, "m1");
        assertFalse(recent.toString().contains(a), recent.toString());
    }
}
