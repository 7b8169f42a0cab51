package dev.hermesfront.gateway.grants;

import static dev.hermesfront.gateway.grants.GrantFixture.answer;
import static dev.hermesfront.gateway.grants.GrantFixture.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.config.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, F6 (stand-in with one stored-session database shared by every agent, as the real agent's state.db is):
 * a credential lists, resumes and deletes only the stored sessions its agents created; a share link only the shared
 * agent's; the sessions nobody claimed are an admin's; one credential alone keeps every session, unchanged.
 */
class StoredSessionsBelongToACredentialTest {
    static final String ALICE = "alice-token-0123456789";
    static final String BOB = "bob-token-0123456789ab";
    static final String OPS = "ops-token-0123456789abc";

    @TempDir
    Path dir;
    private GrantFixture f;
    private final SharedStoreLauncher store = new SharedStoreLauncher();

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    /** Opens an agent for {@code token}, creates a session and submits {@code text}; returns {live, stored}. */
    private String[] converse(WsTestClient c, String text) throws Exception {
        assertTrue(c.next().contains("gateway.ready"));
        c.send(call("c1", "session.create", "{}"));
        JsonNode r = answer(c, "c1").path("result");
        c.send(call("p1", "prompt.submit", "{\"session_id\": \"" + r.path("session_id").asText() + "\", \"text\": \"" + text + "\"}"));
        answer(c, "p1");
        return new String[] {r.path("session_id").asText(), r.path("stored_session_id").asText()};
    }

    private static List<String> list(WsTestClient c, String id) throws Exception {
        c.send(call(id, "session.list", "{}"));
        List<String> ids = new ArrayList<>();
        for (JsonNode s : answer(c, id).path("result").path("sessions")) {
            ids.add(s.path("id").asText() + ":" + s.path("preview").asText());
        }
        return ids;
    }

    @Test
    void aCredentialSeesOnlyItsOwnStoredSessionsAndALinkOnlyItsAgents() throws Exception {
        f = new GrantFixture(dir, HubSettings.defaults(), store, new Credential.Token("alice", Secret.of(ALICE), "chat"),
                new Credential.Token("bob", Secret.of(BOB), "chat"), new Credential.Token("ops", Secret.of(OPS), "admin"));
        store.preexisting("20260101_000000_operator", "the operator's own conversation");
        WsTestClient alice = f.connect("?token=" + ALICE);
        String[] a = converse(alice, "alice secret plans");
        WsTestClient bob = f.connect("?token=" + BOB);
        String[] b = converse(bob, "bob diary");
        assertEquals(3, store.stored().size());

        List<String> bobSees = list(bob, "l1");
        assertEquals(List.of(b[1] + ":bob diary"), bobSees, "bob lists only his own stored sessions");
        bob.send(call("r1", "session.resume", "{\"session_id\": \"" + a[1] + "\", \"cols\": 80}"));
        JsonNode refused = answer(bob, "r1");
        assertEquals(4007, refused.path("error").path("code").asInt(), refused.toString());
        assertFalse(refused.toString().contains("alice secret plans"));
        bob.send(call("d1", "session.delete", "{\"session_id\": \"" + a[1] + "\"}"));
        assertEquals(4007, answer(bob, "d1").path("error").path("code").asInt());
        assertTrue(store.stored().contains(a[1]), "bob cannot delete alice's session");
        bob.send(call("r2", "session.resume", "{\"session_id\": \"" + a[1] + "\", \"profile\": \"other\"}"));
        assertEquals(-32003, answer(bob, "r2").path("error").path("code").asInt(), "no side door through another profile");
        alice.send(call("m1", "session.most_recent", "{}"));
        assertTrue(answer(alice, "m1").path("result").path("session_id").isNull(), "the most recent is bob's: alice gets none");

        // A link to alice's agent reaches that agent's sessions only.
        String agent = f.agentOf(ALICE);
        JsonNode link = f.share(ALICE, agent, "participant", "1h");
        WsTestClient p = f.connect("?share=" + URLEncoder.encode(link.path("token").asText(), StandardCharsets.UTF_8));
        assertTrue(p.next().contains("gateway.ready"));
        assertEquals(List.of(a[1] + ":alice secret plans"), list(p, "l2"));
        p.send(call("r3", "session.resume", "{\"session_id\": \"" + b[1] + "\"}"));
        assertEquals(4007, answer(p, "r3").path("error").path("code").asInt());

        // The admin sees its own and the unclaimed (the operator's), not alice's or bob's.
        WsTestClient ops = f.connect("?token=" + OPS);
        assertTrue(ops.next().contains("gateway.ready"));
        assertEquals(List.of("20260101_000000_operator:the operator's own conversation"), list(ops, "l3"));
        // Alice still resumes her own.
        alice.send(call("r4", "session.resume", "{\"session_id\": \"" + a[1] + "\"}"));
        assertTrue(answer(alice, "r4").has("result"));
    }

    @Test
    void oneCredentialAloneKeepsEverySession() throws Exception {
        f = new GrantFixture(dir, HubSettings.defaults(), store, new Credential.Token("alice", Secret.of(ALICE), "chat"));
        store.preexisting("20260101_000000_operator", "the operator's own conversation");
        WsTestClient alice = f.connect("?token=" + ALICE);
        String[] a = converse(alice, "mine");
        assertEquals(List.of("20260101_000000_operator:the operator's own conversation", a[1] + ":mine"), list(alice, "l1"));
        alice.send(call("r1", "session.resume", "{\"session_id\": \"20260101_000000_operator\"}"));
        assertTrue(answer(alice, "r1").has("result"));
    }

    @Test
    void withOneCredentialALinkStillSeesOnlyItsAgentsSessions() throws Exception {
        // Found attacking the merged front: with one credential nothing was filtered, a share link's holder included,
        // so a viewer link listed (and resumed) every stored conversation of the operator's.
        f = new GrantFixture(dir, HubSettings.defaults(), store, new Credential.Token("alice", Secret.of(ALICE), "chat"));
        store.preexisting("20260101_000000_operator", "the operator's own conversation");
        WsTestClient alice = f.connect("?token=" + ALICE);
        String[] a = converse(alice, "shared with the link");
        String agent = f.agentOf(ALICE);
        for (String role : List.of("viewer", "participant")) {
            JsonNode link = f.share(ALICE, agent, role, "1h");
            WsTestClient v = f.connect("?share=" + URLEncoder.encode(link.path("token").asText(), StandardCharsets.UTF_8));
            assertTrue(v.next().contains("gateway.ready"));
            assertEquals(List.of(a[1] + ":shared with the link"), list(v, "l-" + role), role + ": only the shared agent's");
            v.send(call("r-" + role, "session.resume", "{\"session_id\": \"20260101_000000_operator\"}"));
            JsonNode refused = answer(v, "r-" + role);
            assertEquals(role.equals("viewer") ? -32003 : 4007, refused.path("error").path("code").asInt(), role + ": " + refused);
            assertFalse(refused.toString().contains("operator's own"));
            v.send(call("m-" + role, "session.most_recent", "{}"));
            JsonNode recent = answer(v, "m-" + role).path("result").path("session_id");
            assertTrue(recent.isNull() || recent.asText().equals(a[0]) || recent.asText().equals(a[1]), role + ": " + recent);
        }
        assertEquals(2, list(alice, "l1").size(), "the operator still sees every session");
    }

    @Test
    void aDelegatingCredentialAloneStillKeepsItsUsersApart() throws Exception {
        // Found attacking the merged front: a peer with one credential, the coordinator's (delegate: true), did not
        // filter, so coord/bob listed and resumed coord/alice's stored conversations at the peer.
        Credential coord = new Credential.Token("coord", Secret.of(ALICE), "chat");
        f = new GrantFixture(dir, HubSettings.defaults(), store, dev.hermesfront.gateway.config.Credentials.of(List.of(coord),
                java.util.Set.of("coord")));
        java.net.URI uri = java.net.URI.create("ws://127.0.0.1:" + f.server.port() + "/api/ws?token=" + ALICE);
        WsTestClient alice = WsTestClient.connect(uri, f.http, new String[0], "X-Hermes-Front-On-Behalf-Of", "alice; scope=chat");
        f.clients.add(alice);
        String[] a = converse(alice, "alice at the peer");
        WsTestClient bob = WsTestClient.connect(uri, f.http, new String[0], "X-Hermes-Front-On-Behalf-Of", "bob; scope=chat");
        f.clients.add(bob);
        String[] b = converse(bob, "bob at the peer");
        assertEquals(List.of(b[1] + ":bob at the peer"), list(bob, "l1"), "coord/bob lists only his own");
        bob.send(call("r1", "session.resume", "{\"session_id\": \"" + a[1] + "\"}"));
        assertEquals(4007, answer(bob, "r1").path("error").path("code").asInt());
    }

    @Test
    void theLocalAdminCredentialIsTheOperatorButADeviceIsAPrincipalOfItsOwn() throws Exception {
        // Found attacking the merged front: with a state directory (the default) the local admin credential of
        // hermes-front pair counted as a second credential, so a single-credential install was filtered too.
        f = new GrantFixture(dir, HubSettings.defaults(), store, dev.hermesfront.gateway.config.Credentials.of(List.of(
                new Credential.Token("alice", Secret.of(ALICE), "chat"))), true);
        store.preexisting("20260101_000000_operator", "the operator's own conversation");
        WsTestClient alice = f.connect("?token=" + ALICE);
        String[] a = converse(alice, "mine");
        assertEquals(List.of("20260101_000000_operator:the operator's own conversation", a[1] + ":mine"), list(alice, "l1"),
                "one configured credential (and the local admin one): nothing filtered");

        // A device paired by the operator is another principal: it sees its own sessions only, and alice (chat) no
        // longer sees the unclaimed ones.
        String local = java.nio.file.Files.readString(dir.resolve("state").resolve("local-admin-token")).strip();
        JsonNode code = GrantFixture.json(f.rest("POST", "/front/pair/codes", local, "{\"scope\": \"chat\", \"name\": \"phone\"}").body());
        JsonNode paired = GrantFixture.json(f.rest("POST", "/front/pair", null, "{\"code\": \"" + code.path("code").asText() + "\"}").body());
        String device = paired.path("token").asText();
        assertTrue(device.startsWith("hfd_"), paired.toString());
        WsTestClient phone = f.connect("?token=" + device);
        String[] p = converse(phone, "from the phone");
        assertEquals(List.of(p[1] + ":from the phone"), list(phone, "l2"), "the device sees its own");
        phone.send(call("r1", "session.resume", "{\"session_id\": \"" + a[1] + "\"}"));
        assertEquals(4007, answer(phone, "r1").path("error").path("code").asInt(), "not its pairer's, not alice's");
        assertEquals(List.of(a[1] + ":mine"), list(alice, "l3"), "with a device, alice keeps hers only");
    }

    @Test
    void aNameReAddedWithAnotherTokenInheritsNoStoredSession() throws Exception {
        Credential alice = new Credential.Token("alice", Secret.of(ALICE), "chat");
        Credential ops = new Credential.Token("ops", Secret.of(OPS), "admin");
        f = new GrantFixture(dir, HubSettings.defaults(), store, alice, new Credential.Token("bob", Secret.of(BOB), "chat"), ops);
        WsTestClient bob = f.connect("?token=" + BOB);
        String[] b = converse(bob, "bob diary");
        String rotated = "bob-rotated-token-0123456789";
        f.reload(alice, new Credential.Token("bob", Secret.of(rotated), "chat"), ops);
        assertEquals(4401, bob.closeCode());
        WsTestClient newBob = f.connect("?token=" + rotated);
        assertTrue(newBob.next().contains("gateway.ready"));
        assertEquals(List.of(), list(newBob, "l1"), "another source under the same name sees nothing of the first");
        newBob.send(call("r1", "session.resume", "{\"session_id\": \"" + b[1] + "\"}"));
        assertEquals(4007, answer(newBob, "r1").path("error").path("code").asInt());
        WsTestClient admin = f.connect("?token=" + OPS);
        assertTrue(admin.next().contains("gateway.ready"));
        assertEquals(List.of(b[1] + ":bob diary"), list(admin, "l2"), "a removed credential's sessions are unclaimed: an admin's");
    }
}
