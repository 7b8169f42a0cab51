package dev.hermesfront.bridge.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.InMemoryClientSink;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hub's small parts: id multiplexing bounds, the resume rewrite, the ready announcer, the session book. */
class PartsTest {
    private static final ObjectMapper MAPPER = AgentJson.newMapper();
    private static final FrameCodec CODEC = new FrameCodec();

    private static Frame f(String text) {
        return ((Decoded.Valid) CODEC.decode(text)).frame();
    }

    @Test
    void idMuxIsBoundedAndNeverHandsOutAnIdThatIsOutstanding() {
        IdMux ids = new IdMux();
        Member a = new Member(null, 1, new MemberSpec("a", Role.OWNER, null, false), new InMemoryClientSink(), Connection.NONE);
        Member b = new Member(null, 2, new MemberSpec("b", Role.VIEWER, null, false), new InMemoryClientSink(), Connection.NONE);
        ids.register(a, f("{\"id\": \"hf.1\", \"method\": \"m\"}"), "m"); // a client that picked our spelling
        ids.register(a, f("{\"id\": \"x\", \"method\": \"m\"}"), "m");
        IdMux.Registered r = ids.register(b, f("{\"id\": \"x\", \"method\": \"m\"}"), "m");
        assertTrue(r.renumbered());
        assertNotEquals("\"hf.1\"", r.key());
        assertEquals("\"x\"", ids.take(r.key()).original);
        for (int i = 0; i < IdMux.MAX_KEYS + 100; i++) {
            ids.register(a, f("{\"id\": " + i + ", \"method\": \"m\"}"), "m");
        }
        assertEquals(IdMux.MAX_KEYS, ids.size());
        assertNull(ids.take("0"), "the oldest were forgotten");
    }

    @Test
    void idMuxKeepsTheCallsOfOneClientUnderOneIdInOrder() {
        IdMux ids = new IdMux();
        Member a = new Member(null, 1, new MemberSpec("a", Role.OWNER, null, false), new InMemoryClientSink(), Connection.NONE);
        Member b = new Member(null, 2, new MemberSpec("b", Role.PARTICIPANT, null, false), new InMemoryClientSink(), Connection.NONE);
        for (String method : List.of("m1", "m2", "m3")) {
            assertFalse(ids.register(a, f("{\"id\": \"x\", \"method\": \"" + method + "\"}"), method).renumbered(), "its own id: never renumbered");
        }
        assertTrue(ids.register(b, f("{\"id\": \"x\", \"method\": \"m\"}"), "m").renumbered());
        ids.forget(a);
        assertEquals("m1", ids.take("\"x\"").method);
        assertEquals("m2", ids.take("\"x\"").method);
        IdMux.Pending last = ids.take("\"x\"");
        assertEquals("m3", last.method);
        assertNull(last.member, "forgotten, in a queue as alone");
        assertNull(ids.take("\"x\""));
        ids.register(a, f("{\"id\": \"y\", \"method\": \"m\"}"), "m");
        ids.forget(a);
        assertNull(ids.take("\"y\"").member);
        assertEquals(1, ids.size(), "the renumbered call of b");
    }

    @Test
    void idMuxDropsTheAnswersOfAClientThatLeft() {
        IdMux ids = new IdMux();
        Member a = new Member(null, 1, new MemberSpec("a", Role.OWNER, null, false), new InMemoryClientSink(), Connection.NONE);
        ids.register(a, f("{\"id\": 1, \"method\": \"m\"}"), "m");
        ids.forget(a);
        assertNull(ids.take("1").member);
    }

    @Test
    void resumeRewriteKeepsTheIdAndOnlyTheParamsActivateAccepts() throws Exception {
        ResumeTranslator t = new ResumeTranslator(MAPPER);
        Frame resume = f("{\"id\":7,\"method\":\"session.resume\",\"params\":{\"session_id\":\"20261122_x\",\"cols\":120,"
                + "\"close_on_disconnect\":true,\"eager_build\":false,\"defer_history\":true,\"omit_messages\":true,\"x\":1}}");
        Frame a = t.toActivate(resume, "e9718121");
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": \"session.activate\", \"params\": {\"session_id\": \"e9718121\", "
                + "\"cols\": 120, \"omit_messages\": true}}", a.text());
        assertEquals("7", a.text().substring(a.idStart(), a.idEnd()));
        assertEquals(f(a.text()).id(), a.id());
    }

    @Test
    void readyAnnouncerAmendsTheFirstFrameOnly() throws Exception {
        InMemoryClientSink client = new InMemoryClientSink();
        ReadyAnnouncer r = new ReadyAnnouncer(client, MAPPER, true, Map.of("peer", "studio"));
        r.send(AgentHubTest.V1_READY);
        r.send(AgentHubTest.V1_READY);
        List<String> got = client.frames();
        var payload = MAPPER.readTree(got.get(0)).path("params").path("payload");
        assertTrue(payload.path("heartbeat").asBoolean());
        assertEquals("studio", payload.path("capabilities").path("hermes_front").path("peer").asText());
        assertSame(AgentHubTest.V1_READY, got.get(1));
        InMemoryClientSink july = new InMemoryClientSink();
        new ReadyAnnouncer(july, MAPPER, true, Map.of()).send(AgentHubTest.JULY_READY);
        assertSame(AgentHubTest.JULY_READY, july.frames().get(0), "nothing to add to a July ready");
    }

    @Test
    void sessionBookMapsStoredIdsToLiveOnes() {
        SessionBook b = new SessionBook();
        b.learn("e9718121", "20261122_x");
        assertEquals("e9718121", b.liveFor("20261122_x"));
        assertEquals("e9718121", b.liveFor("e9718121"));
        assertNull(b.liveFor("nope"));
        assertFalse(b.isLive("20261122_x"));
        for (int i = 0; i < SessionBook.MAX + 10; i++) {
            b.learn("l" + i, "s" + i);
        }
        assertNull(b.liveFor("20261122_x"), "bounded: the oldest is forgotten");
    }

    @Test
    void secretAnswersAreRecognizedByTheRequestsMethod() {
        for (String m : List.of("sudo", "secret", "vault.unlock_prompt", "vault.code", "display.install.sudo")) {
            assertTrue(ServerRequests.isSecret(m), m);
        }
        for (String m : List.of("approval", "clarify", "tour", "window.read")) {
            assertFalse(ServerRequests.isSecret(m), m);
        }
    }
}
