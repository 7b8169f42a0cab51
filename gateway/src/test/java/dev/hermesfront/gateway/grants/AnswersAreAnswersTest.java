package dev.hermesfront.gateway.grants;

import static dev.hermesfront.gateway.grants.GrantFixture.answer;
import static dev.hermesfront.gateway.grants.GrantFixture.call;
import static dev.hermesfront.gateway.grants.GrantFixture.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.config.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, F5: an answer is an answer whatever carries it. {@code request.answer {id}} and {@code approval.respond}
 * settle a server→client request only from the client it went to, with the request's own scope, and are audited
 * ({@code ws_answer_refused}) when refused. Viewers never receive open requests, not even inside a session snapshot.
 */
class AnswersAreAnswersTest {
    static final String LAPTOP = "laptop-token-0123456789";

    @TempDir
    Path dir;
    private GrantFixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    private CurrentWireLauncher agent() {
        return (CurrentWireLauncher) f.agent;
    }

    private static String q(JsonNode link) {
        return "?share=" + URLEncoder.encode(link.path("token").asText(), StandardCharsets.UTF_8);
    }

    private static void advertise(WsTestClient c) throws Exception {
        c.send(call("cap", "client.capabilities", "{\"server_requests\": true}"));
        answer(c, "cap");
    }

    /** Submits {@code text} from {@code c} and returns the server→client request of {@code method} it raises. */
    private static JsonNode ask(WsTestClient c, String sid, String id, String text, String method) throws Exception {
        c.send(call(id, "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"" + text + "\"}"));
        List<JsonNode> seen = until(c, x -> x.path("method").asText("").equals(method) && x.has("id"));
        return seen.get(seen.size() - 1);
    }

    private String audit() {
        try {
            return f.auditText();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void aParticipantCannotAnswerTheOwnersRequestsByMethodNorTheOwnerAnAdminOnlyOne() throws Exception {
        f = new GrantFixture(dir, HubSettings.defaults(), new Credential.Token("laptop", Secret.of(LAPTOP), "chat"));
        WsTestClient owner = f.connect("?token=" + LAPTOP);
        assertTrue(owner.next().contains("gateway.ready"));
        advertise(owner);
        String sid = GrantFixture.session(owner, "s1");
        String agentId = f.agentOf(LAPTOP);
        WsTestClient p = f.connect(q(f.share(LAPTOP, agentId, "participant", "1h")));
        assertTrue(p.next().contains("gateway.ready"));
        advertise(p);

        // The owner's sudo: the participant's request.answer is refused (it never reaches the agent).
        JsonNode sudo = ask(owner, sid, "p1", "SUDO please", "sudo");
        String srq = sudo.path("id").asText();
        p.send(call("a1", "request.answer", "{\"id\": \"" + srq + "\", \"result\": {\"value\": \"not-the-owners-password\"}}"));
        assertEquals(-32003, answer(p, "a1").path("error").path("code").asInt());
        assertFalse(agent().received().contains("request.answer"), agent().received().toString());
        // The owner's own request.answer goes through.
        owner.send(call("a2", "request.answer", "{\"id\": \"" + srq + "\", \"result\": {\"value\": \"\"}}"));
        assertEquals("ok", answer(owner, "a2").path("result").path("status").asText());
        until(owner, x -> x.path("params").path("type").asText("").equals("message.complete"));

        // The owner's approval: the participant's approval.respond is refused; the owner's bare answer settles it.
        JsonNode approval = ask(owner, sid, "p2", "APPROVE rm it", "approval");
        p.send(call("a3", "approval.respond", "{\"session_id\": \"" + sid + "\", \"choice\": \"always\"}"));
        assertEquals(-32003, answer(p, "a3").path("error").path("code").asInt());
        p.send(call("a3b", "approval.respond", "{\"choice\": \"always\", \"all\": true}"));
        assertEquals(-32003, answer(p, "a3b").path("error").path("code").asInt(), "no session_id: every open approval must be its own");
        assertFalse(agent().received().contains("approval.respond"), agent().received().toString());
        owner.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + approval.path("id").asText() + "\", \"result\": {\"choice\": \"deny\"}}");
        until(owner, x -> x.path("params").path("type").asText("").equals("message.complete"));

        // display.install.sudo needs admin, whatever carries the answer: the chat owner's request.answer is refused.
        JsonNode install = ask(owner, sid, "p3", "INSTALL it", "display.install.sudo");
        owner.send(call("a4", "request.answer", "{\"id\": \"" + install.path("id").asText() + "\", \"result\": {\"value\": \"pw\"}}"));
        assertEquals(-32003, answer(owner, "a4").path("error").path("code").asInt());
        assertEquals(1, agent().received().stream().filter("request.answer"::equals).count(), agent().received().toString());
        GrantFixture.await(() -> audit().contains("ws_answer_refused") && audit().contains("\"answering\":\"display.install.sudo\"")
                && audit().contains("\"approval.respond\""), "refused answers audited: " + audit());
    }

    @Test
    void viewersNeverReceiveOpenRequestsInASessionSnapshot() throws Exception {
        f = new GrantFixture(dir, HubSettings.defaults(), new Credential.Token("laptop", Secret.of(LAPTOP), "chat"));
        WsTestClient owner = f.connect("?token=" + LAPTOP);
        assertTrue(owner.next().contains("gateway.ready"));
        advertise(owner);
        String sid = GrantFixture.session(owner, "s1");
        String agentId = f.agentOf(LAPTOP);
        JsonNode approval = ask(owner, sid, "p1", "APPROVE it", "approval");
        // The owner's own snapshot has it.
        owner.send(call("o1", "session.activate", "{\"session_id\": \"" + sid + "\"}"));
        assertEquals(1, answer(owner, "o1").path("result").path("open_requests").size());

        WsTestClient v = f.connect(q(f.share(LAPTOP, agentId, "viewer", "1h")));
        assertTrue(v.next().contains("gateway.ready"));
        for (String m : List.of("session.activate", "session.resume")) {
            v.send(call("v-" + m, m, "{\"session_id\": \"" + sid + "\"}"));
            JsonNode r = answer(v, "v-" + m);
            assertEquals(sid, r.path("result").path("session_id").asText(), r.toString());
            assertEquals(0, r.path("result").path("open_requests").size(), "a viewer never sees open requests: " + r);
            assertFalse(r.toString().contains(approval.path("id").asText()), r.toString());
            assertFalse(r.toString().contains("standin-scratch"), r.toString());
        }
    }
}
