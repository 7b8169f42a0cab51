package dev.hermesfront.gateway.grants;

import static dev.hermesfront.gateway.grants.GrantFixture.answer;
import static dev.hermesfront.gateway.grants.GrantFixture.call;
import static dev.hermesfront.gateway.grants.GrantFixture.session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.config.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, F2 and F4: a share link is a grant derived from its minter. A narrowed minter caps its links (a
 * participant link of a minter narrowed chat → read can no longer prompt; new connections get a viewer); a removed
 * minter kills them (clients closed, new connections 4401) and its agent stops. An expired link closes its clients
 * (4403 {@code share link expired}); DELETE revokes any link that still has clients; links are capped per credential
 * and per agent.
 */
class ShareLinksFollowTheirMinterTest {
    static final String LAPTOP = "laptop-token-0123456789";
    static final String OPS = "ops-token-0123456789abc";

    @TempDir
    Path dir;
    private GrantFixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    private static Credential laptop(String scope) {
        return new Credential.Token("laptop", Secret.of(LAPTOP), scope);
    }

    private static Credential ops() {
        return new Credential.Token("ops", Secret.of(OPS), "admin");
    }

    private String audit() {
        try {
            return f.auditText();
        } catch (Exception e) {
            return "";
        }
    }

    private static String q(String token) {
        return "?share=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    private static String role(String ready) throws Exception {
        return GrantFixture.json(ready).path("params").path("payload").path("capabilities").path("hermes_front").path("role").asText("");
    }

    @Test
    void aNarrowedMinterCapsItsLinksAndARemovedOneKillsThemAndItsAgent() throws Exception {
        f = new GrantFixture(dir, HubSettings.defaults(), laptop("chat"), ops());
        WsTestClient owner = f.connect("?token=" + LAPTOP);
        assertTrue(owner.next().contains("gateway.ready"));
        String sid = session(owner, "s1");
        String agent = f.agentOf(LAPTOP);
        JsonNode participant = f.share(LAPTOP, agent, "participant", "1h");
        JsonNode viewer = f.share(LAPTOP, agent, "viewer", "1h");

        WsTestClient p = f.connect(q(participant.path("token").asText()));
        assertEquals("participant", role(p.next()));
        p.send(call("p1", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"hello\"}"));
        assertTrue(answer(p, "p1").has("result"), "a participant of a chat minter prompts");

        // Narrowed chat -> read: the participant's connection is closed 4403; the link now opens a viewer, which cannot prompt.
        f.reload(laptop("read"), ops());
        assertEquals(4403, p.closeCode());
        WsTestClient p2 = f.connect(q(participant.path("token").asText()));
        assertEquals("viewer", role(p2.next()), "a narrowed minter's participant link opens at most read");
        p2.send(call("p2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"still here?\"}"));
        assertEquals(-32003, answer(p2, "p2").path("error").path("code").asInt());
        // A read credential mints no more links.
        assertEquals(403, f.rest("POST", "/front/agents/" + agent + "/share", LAPTOP, "{\"role\": \"participant\"}").statusCode());

        // Removed: every link's clients are closed, new connections are refused 4401, and the agent stops.
        WsTestClient v = f.connect(q(viewer.path("token").asText()));
        assertEquals("viewer", role(v.next()));
        f.reload(ops());
        assertTrue(p2.closeCode() == 4401 || p2.closeCode() == 1001, "closed " + p2.closeCode());
        assertTrue(v.closeCode() == 4401 || v.closeCode() == 1001, "closed " + v.closeCode());
        assertEquals(4401, f.connect(q(participant.path("token").asText())).closeCode());
        assertEquals(4401, f.connect(q(viewer.path("token").asText())).closeCode());
        GrantFixture.await(() -> f.server.agents().find(agent).isEmpty(), "the removed minter's agent stopped");
        GrantFixture.await(() -> audit().contains("its minter was removed"), "the minter's links audited as revoked");
    }

    @Test
    void anExpiredLinkClosesItsClientsAndDeleteRevokesAnyLinkWithClients() throws Exception {
        f = new GrantFixture(dir, HubSettings.defaults(), laptop("chat"), ops());
        WsTestClient owner = f.connect("?token=" + LAPTOP);
        assertTrue(owner.next().contains("gateway.ready"));
        String sid = session(owner, "s1");
        String agent = f.agentOf(LAPTOP);
        JsonNode link = f.share(LAPTOP, agent, "participant", "10s");
        WsTestClient p = f.connect(q(link.path("token").asText()));
        assertEquals("participant", role(p.next()));

        f.clock.advance(Duration.ofSeconds(17));
        // Between expiry and the sweep, the link's client may not prompt either.
        p.send(call("p1", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"late\"}"));
        assertEquals(4403, p.closeCode(), "an expired link's client is closed");
        assertEquals("share link expired", p.closeReason());
        // Its DELETE answers 204 (it is ours, just dead), never 404; the owner keeps working.
        assertEquals(204, f.rest("DELETE", "/front/agents/" + agent + "/share/" + link.path("id").asText(), OPS, null).statusCode());
        assertEquals(404, f.rest("DELETE", "/front/agents/" + agent + "/share/0123456789abcdef", OPS, null).statusCode());
        owner.send(call("o1", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"mine\"}"));
        assertTrue(answer(owner, "o1").has("result"));
        GrantFixture.await(() -> audit().contains("share_expired") || audit().contains("share link expired"), "the expiry audited");
    }

    @Test
    void linksAreCappedPerCredentialAndPerAgent() throws Exception {
        f = new GrantFixture(dir, HubSettings.defaults().withShareCaps(3, 2), laptop("chat"), ops());
        WsTestClient owner = f.connect("?token=" + LAPTOP);
        assertTrue(owner.next().contains("gateway.ready"));
        String a1 = f.agentOf(LAPTOP);
        f.share(LAPTOP, a1, "viewer", "1h");
        f.share(LAPTOP, a1, "viewer", "1h");
        assertEquals(429, f.rest("POST", "/front/agents/" + a1 + "/share", LAPTOP, "{\"role\": \"viewer\"}").statusCode(), "per agent");
        WsTestClient second = f.connect("?token=" + LAPTOP);
        assertTrue(second.next().contains("gateway.ready"));
        GrantFixture.await(() -> f.server.agents().all().size() == 2, "two agents");
        String a2 = f.server.agents().all().stream().map(h -> h.id()).filter(x -> !x.equals(a1)).findFirst().orElseThrow();
        f.share(LAPTOP, a2, "viewer", "1h");
        assertEquals(429, f.rest("POST", "/front/agents/" + a2 + "/share", LAPTOP, "{\"role\": \"viewer\"}").statusCode(),
                "per credential");
        // Another credential (an admin) still may.
        f.share(OPS, a2, "viewer", "1h");
    }
}
