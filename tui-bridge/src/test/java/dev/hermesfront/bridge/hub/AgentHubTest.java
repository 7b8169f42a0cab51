package dev.hermesfront.bridge.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.FakeAgentLink;
import dev.hermesfront.bridge.InMemoryClientSink;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routing of one agent among several clients: ids, events, server requests, parking, pacing. */
class AgentHubTest {
    private static final ObjectMapper MAPPER = AgentJson.newMapper();
    private static final FrameCodec CODEC = new FrameCodec();
    static final String JULY_READY = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": {\"skin\": {}}}}";
    static final String V1_READY = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": "
            + "{\"skin\": {}, \"change_events\": true, \"replay_epoch\": \"ab12\", \"capabilities\": {}, \"protocol\": {\"version\": 1}}}}";

    private final List<AgentRegistry> registries = new ArrayList<>();

    @AfterEach
    void closeRegistries() {
        registries.forEach(AgentRegistry::close);
    }

    private AgentRegistry registry(ParkingPolicy policy) {
        AgentRegistry r = new AgentRegistry(policy, MAPPER, CODEC, MemoryBudget.unlimited());
        registries.add(r);
        return r;
    }

    private static Frame f(String text) {
        return ((Decoded.Valid) CODEC.decode(text)).frame();
    }

    private static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    private static String req(String id, String method, String params) {
        return "{\"jsonrpc\": \"2.0\", \"id\": \"" + id + "\", \"method\": \"" + method + "\", \"params\": " + params + "}";
    }

    private static String result(String idJson, String result) {
        return "{\"jsonrpc\": \"2.0\", \"id\": " + idJson + ", \"result\": " + result + "}";
    }

    private static String event(String type, String sid, String payload) {
        return "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"" + type + "\", \"session_id\": \"" + sid
                + "\", \"payload\": " + payload + "}}";
    }

    /** A running agent with its owner attached. */
    private final class Rig {
        final AgentRegistry registry;
        final AgentHub hub;
        final FakeAgentLink link = new FakeAgentLink();
        final InMemoryClientSink ownerSink = new InMemoryClientSink();
        final Member owner;
        final AtomicInteger ends = new AtomicInteger();

        Rig(ParkingPolicy policy, boolean local, String ready) {
            registry = registry(policy);
            hub = registry.create(new Owner("laptop", "laptop"), local);
            owner = hub.attach(new MemberSpec("laptop", Role.OWNER, null, false), ownerSink, Connection.NONE);
            hub.link(link, ends::incrementAndGet);
            hub.send(ready);
        }

        Rig() {
            this(ParkingPolicy.defaults(), true, JULY_READY);
        }

        Member join(String name, Role role, InMemoryClientSink sink, List<String> closes) {
            return hub.join(new MemberSpec(name, role, role == Role.VIEWER ? "s1" : null, false), sink,
                    (code, reason) -> closes.add(code + " " + reason));
        }

        /** The owner creates a session; returns its live id. */
        String createSession(String live, String stored) {
            owner.send(f(req("c1", "session.create", "{\"cols\": 80}")));
            hub.send(result("\"c1\"", "{\"session_id\": \"" + live + "\", \"stored_session_id\": \"" + stored + "\"}"));
            return live;
        }
    }

    @Test
    void oneClientIsAPipeBothWays() {
        Rig r = new Rig();
        assertEquals(List.of(JULY_READY), r.ownerSink.take());
        String call = "{ \"id\" : \"r1\", \"method\": \"config.get\", \"params\": {\"key\": \"full\", \"f\": 1.50} }";
        assertEquals(Member.Sent.OK, r.owner.send(f(call)));
        assertSame(call, r.link.last(), "the very frame the client sent");
        String answer = result("\"r1\"", "{\"config\": {}}");
        String delta = event("message.delta", "s", "{\"text\": \"hi\"}");
        r.hub.send(answer);
        r.hub.send(delta);
        r.hub.send("not json, a log line");
        List<String> got = r.ownerSink.take();
        assertSame(answer, got.get(0));
        assertSame(delta, got.get(1));
        assertEquals("not json, a log line", got.get(2));
    }

    private static WireFrame arrived(String text) {
        return WireFrame.ofUtf8(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void framesThatOnlyPassThroughAreNeverDecodedAndAnswersAreSplicedInTheirBytes() {
        Rig r = new Rig();
        r.ownerSink.take();
        r.owner.send(f(req("r1", "config.get", "{}")));
        WireFrame delta = arrived(event("message.delta", "s", "{\"text\": \"h\u00e9\"}"));
        WireFrame answer = arrived(result("\"r1\"", "{\"config\": {}}"));
        r.hub.send(delta);
        r.hub.send(answer);
        List<WireFrame> got = r.ownerSink.takeWires();
        assertSame(delta, got.get(0), "one client: the very frame, its bytes as they arrived");
        assertSame(answer, got.get(1));
        assertFalse(delta.decoded() || answer.decoded(), "nothing read past the head, nothing decoded");

        // Several clients: an event is routed by its head, a renumbered answer gets its id back in its bytes.
        InMemoryClientSink other = new InMemoryClientSink();
        Member second = r.join("laptop", Role.PARTICIPANT, other, new ArrayList<>());
        other.take();
        r.owner.send(f(req("r2", "config.get", "{}")));
        second.send(f(req("r2", "config.get", "{}")));
        String agentId = r.link.last().substring(r.link.last().indexOf("\"id\": ") + 6, r.link.last().indexOf(", \"method\""));
        WireFrame forSecond = arrived(result(agentId, "{\"t\": \"\u2695\"}"));
        WireFrame broadcast = arrived(event("status.update", "", "{}").replace(", \"session_id\": \"\"", ""));
        r.hub.send(forSecond);
        r.hub.send(broadcast);
        assertEquals(List.of(result("\"r2\"", "{\"t\": \"\u2695\"}"), broadcast.text()), other.take());
        assertFalse(forSecond.decoded(), "the answer was spliced, not decoded");
    }

    @Test
    void twoClientsUseTheSameIdAndEachGetsItsOwnAnswer() throws Exception {
        Rig r = new Rig();
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        Member viewer = r.join("share:s1", Role.VIEWER, viewerSink, new ArrayList<>());
        r.ownerSink.take();
        viewerSink.take();
        r.owner.send(f(req("r1", "config.get", "{\"key\": \"full\"}")));
        viewer.send(f(req("r1", "config.get", "{\"key\": \"mtime\"}")));
        List<String> toAgent = r.link.sent();
        assertEquals(req("r1", "config.get", "{\"key\": \"full\"}"), toAgent.get(0), "the first passes untouched");
        String renumbered = toAgent.get(1);
        String agentId = json(renumbered).path("id").asText();
        assertFalse(agentId.equals("r1"), "the colliding one is renumbered: " + renumbered);
        assertEquals(req(agentId, "config.get", "{\"key\": \"mtime\"}"), renumbered, "only the id token changed");
        // Answers in the other order; each goes to its own client with its own id.
        r.hub.send(result("\"" + agentId + "\"", "{\"mtime\": 1}"));
        r.hub.send(result("\"r1\"", "{\"config\": {}}"));
        assertEquals(List.of(result("\"r1\"", "{\"mtime\": 1}")), viewerSink.take());
        assertEquals(List.of(result("\"r1\"", "{\"config\": {}}")), r.ownerSink.take());
    }

    @Test
    void aClientReusingItsOwnOutstandingIdIsNotRenumbered() {
        Rig r = new Rig();
        r.owner.send(f(req("r1", "a", "{}")));
        r.owner.send(f(req("r1", "b", "{}")));
        assertEquals(List.of(req("r1", "a", "{}"), req("r1", "b", "{}")), r.link.sent());
    }

    @Test
    void aClientRepeatingItsOwnUnansweredIdIsRefusedPastTheBoundAndNothingMoreIsQueued() throws Exception {
        Rig r = new Rig();
        r.ownerSink.take();
        for (int i = 0; i < IdMux.MAX_PER_KEY; i++) {
            assertEquals(Member.Sent.OK, r.owner.send(f(req("r1", "config.get", "{}"))));
        }
        assertEquals(IdMux.MAX_PER_KEY, r.link.sent().size(), "up to the bound, each call reaches the agent");
        assertTrue(r.ownerSink.take().isEmpty());
        for (int i = 0; i < 1000; i++) {
            r.owner.send(f(req("r1", "config.get", "{}")));
        }
        assertEquals(IdMux.MAX_PER_KEY, r.link.sent().size(), "past it, nothing more is sent or queued");
        List<String> refusals = r.ownerSink.take();
        assertEquals(1000, refusals.size(), "each one past the bound is answered");
        JsonNode e = json(refusals.get(0));
        assertEquals("r1", e.path("id").asText(), "with the client's own id");
        assertEquals(-32004, e.path("error").path("code").asInt(), refusals.get(0));
        assertTrue(e.path("error").path("message").asText().contains("outstanding"), refusals.get(0));
        // An answer frees a place; other ids are not affected.
        r.hub.send(result("\"r1\"", "{}"));
        assertEquals(1, r.ownerSink.take().size());
        r.owner.send(f(req("r1", "config.get", "{}")));
        r.owner.send(f(req("r2", "config.get", "{}")));
        assertEquals(IdMux.MAX_PER_KEY + 2, r.link.sent().size());
        assertTrue(r.ownerSink.take().isEmpty());
    }

    /** A viewer and a participant on the owner's live session {@code live} (each has called on it). */
    private static Member[] viewerAndParticipant(Rig r, String live, InMemoryClientSink viewerSink, InMemoryClientSink partSink) throws Exception {
        Member viewer = r.join("share:v", Role.VIEWER, viewerSink, new ArrayList<>());
        Member part = r.join("share:p", Role.PARTICIPANT, partSink, new ArrayList<>());
        for (Member m : new Member[] {viewer, part}) {
            m.send(f(req("a" + m.hashCode(), "session.activate", "{\"session_id\": \"" + live + "\"}")));
            String agentId = json(r.link.last()).path("id").asText();
            r.hub.send(result("\"" + agentId + "\"", "{\"session_id\": \"" + live + "\", \"messages\": []}"));
        }
        r.ownerSink.take();
        viewerSink.take();
        partSink.take();
        return new Member[] {viewer, part};
    }

    @Test
    void onTheForkWireOnlyTheClientAQuestionWentToAnswersItAndViewersNeverSeeIt() throws Exception {
        // Found attacking the merged front: on the fork (July) wire, which the kit's real agent speaks, questions are
        // events and answers are *.respond calls; a participant answered the owner's sudo and approval, and a
        // viewer received them (with the command to approve).
        Rig r = new Rig();
        String live = r.createSession("e9718121", "20261122_021758_2c64c9");
        r.owner.send(f(req("p1", "prompt.submit", "{\"session_id\": \"" + live + "\", \"text\": \"install it\"}")));
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        InMemoryClientSink partSink = new InMemoryClientSink();
        Member part = viewerAndParticipant(r, live, viewerSink, partSink)[1];
        String sudo = event("sudo.request", live, "{\"request_id\": \"ab12cd34\"}");
        String approval = event("approval.request", live, "{\"command\": \"rm -rf /tmp/x\", \"description\": \"d\"}");
        r.hub.send(sudo);
        r.hub.send(approval);
        assertEquals(List.of(sudo, approval), r.ownerSink.take());
        assertEquals(List.of(sudo, approval), partSink.take(), "participants of the session see the questions");
        assertEquals(List.of(), viewerSink.take(), "a viewer never receives them");

        int sent = r.link.sent().size();
        assertEquals(Member.Sent.NOT_YOURS, part.send(f(req("x1", "sudo.respond", "{\"request_id\": \"ab12cd34\", \"password\": \"p\"}"))));
        assertEquals(Member.Sent.NOT_YOURS, part.send(f(req("x2", "approval.respond", "{\"session_id\": \"" + live + "\", \"choice\": \"always\"}"))));
        assertEquals(Member.Sent.NOT_YOURS, part.send(f(req("x3", "approval.respond", "{\"choice\": \"once\", \"all\": true}"))));
        assertEquals(sent, r.link.sent().size(), "no answer of the participant's reached the agent");

        assertEquals(Member.Sent.OK, r.owner.send(f(req("o1", "sudo.respond", "{\"request_id\": \"ab12cd34\", \"password\": \"p\"}"))));
        assertEquals(Member.Sent.OK, r.owner.send(f(req("o2", "approval.respond", "{\"session_id\": \"" + live + "\", \"choice\": \"once\"}"))));
        assertEquals(sent + 2, r.link.sent().size());

        // The participant's own turn: its questions are its own to answer.
        part.send(f(req("p2", "prompt.submit", "{\"session_id\": \"" + live + "\", \"text\": \"mine\"}")));
        r.hub.send(event("clarify.request", live, "{\"question\": \"q\", \"request_id\": \"ee11ff22\"}"));
        assertEquals(Member.Sent.NOT_YOURS, r.owner.send(f(req("o3", "clarify.respond", "{\"request_id\": \"ee11ff22\", \"answer\": \"a\"}"))));
        assertEquals(Member.Sent.OK, part.send(f(req("p3", "clarify.respond", "{\"request_id\": \"ee11ff22\", \"answer\": \"a\"}"))));
    }

    @Test
    void aLinksProjectsTreeHoldsOnlyTheSharedAgentsStoredSessions() throws Exception {
        // Found attacking the merged front with the real agent: projects.tree (read) listed every principal's stored
        // sessions with their previews, past the session.list filter.
        Rig r = new Rig();
        r.createSession("e9718121", "20261122_021758_2c64c9");
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        Member viewer = r.join("share:s1", Role.VIEWER, viewerSink, new ArrayList<>());
        viewerSink.take();
        viewer.send(f(req("t1", "projects.tree", "{}")));
        String agentId = json(r.link.last()).path("id").asText();
        String row = "{\"id\": \"%s\", \"preview\": \"%s\", \"started_at\": 1.5, \"message_count\": 2}";
        r.hub.send(result("\"" + agentId + "\"", "{\"projects\": [{\"id\": \"/p\", \"sessionCount\": 2, \"repos\": [{\"id\": \"/p\", "
                + "\"groups\": [{\"id\": \"/p::main\", \"sessions\": [" + row.formatted("20261201_000000_aaaaaa", "alice secret plans")
                + "]}]}], \"previewSessions\": [" + row.formatted("20261122_021758_2c64c9", "shared") + ", "
                + row.formatted("20261201_000000_aaaaaa", "alice secret plans") + "]}], \"active_id\": null, \"scoped_session_ids\": "
                + "[\"20261122_021758_2c64c9\", \"20261201_000000_aaaaaa\"]}"));
        List<String> got = viewerSink.take();
        assertEquals(1, got.size());
        JsonNode tree = json(got.get(0)).path("result");
        assertFalse(got.get(0).contains("alice secret plans"), got.get(0));
        assertFalse(got.get(0).contains("20261201_000000_aaaaaa"), got.get(0));
        assertEquals("shared", tree.path("projects").get(0).path("previewSessions").get(0).path("preview").asText());
        assertEquals(List.of("20261122_021758_2c64c9"), List.of(tree.path("scoped_session_ids").get(0).asText()));
        assertEquals(1, tree.path("scoped_session_ids").size());
        assertEquals("/p::main", tree.path("projects").get(0).path("repos").get(0).path("groups").get(0).path("id").asText(),
                "the structure stays");
    }

    @Test
    void eventsGoToTheClientsAttachedToTheirSession() throws Exception {
        Rig r = new Rig();
        String live = r.createSession("e9718121", "20261122_021758_2c64c9");
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        Member viewer = r.join("share:s1", Role.VIEWER, viewerSink, new ArrayList<>());
        // The TUI resumes by stored id; for a viewer that is a look at the live session: session.activate.
        Frame resume = f(req("r1", "session.resume", "{\"cols\": 80, \"session_id\": \"20261122_021758_2c64c9\", \"lazy\": true}"));
        Frame view = viewer.view(resume);
        assertNotNull(view);
        assertEquals("session.activate", view.method());
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.activate\", \"params\": {\"session_id\": \"e9718121\", "
                + "\"cols\": 80}}", view.text());
        viewer.send(view);
        String sent = r.link.last();
        String agentId = json(sent).path("id").asText();
        r.hub.send(result("\"" + agentId + "\"", "{\"session_id\": \"e9718121\", \"messages\": [], \"running\": true}"));
        r.ownerSink.take();
        viewerSink.take();
        String delta = event("message.delta", live, "{\"text\": \"x\"}");
        String other = event("message.delta", "0ther001", "{\"text\": \"y\"}");
        String global = event("skin.changed", "", "{}");
        r.hub.send(delta);
        r.hub.send(other);
        r.hub.send(global);
        assertEquals(List.of(delta, global), viewerSink.take(), "the viewer sees its session and session-less events only");
        assertEquals(List.of(delta, other, global), r.ownerSink.take());
    }

    @Test
    void aViewersResumeOfAnUnknownSessionIsNotAView() {
        Rig r = new Rig();
        Member viewer = r.join("share:s1", Role.VIEWER, new InMemoryClientSink(), new ArrayList<>());
        assertEquals(null, viewer.view(f(req("r1", "session.resume", "{\"session_id\": \"someone_elses\"}"))));
        assertEquals(null, viewer.view(f(req("r2", "prompt.submit", "{\"session_id\": \"x\", \"text\": \"hi\"}"))));
        assertEquals(null, r.owner.view(f(req("r3", "session.resume", "{\"session_id\": \"x\"}"))), "only viewers view");
    }

    @Test
    void aServerRequestGoesToTheParticipantThatSubmittedTheTurnAndOnlyItsAnswerCounts() throws Exception {
        Rig r = new Rig(ParkingPolicy.defaults(), true, V1_READY);
        String live = r.createSession("e9718121", "st1");
        InMemoryClientSink tabletSink = new InMemoryClientSink();
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        Member tablet = r.join("laptop", Role.PARTICIPANT, tabletSink, new ArrayList<>());
        Member viewer = r.join("share:s1", Role.VIEWER, viewerSink, new ArrayList<>());
        for (Member m : List.of(r.owner, tablet)) {
            m.send(f(req("cap", "client.capabilities", "{\"server_requests\": true}")));
        }
        tablet.send(f(req("p1", "prompt.submit", "{\"session_id\": \"" + live + "\", \"text\": \"rm it\"}")));
        r.ownerSink.take();
        tabletSink.take();
        viewerSink.take();
        String approval = "{\"jsonrpc\": \"2.0\", \"id\": \"srq-3f9c0a1b2d4e\", \"method\": \"approval\", \"params\": {\"session_id\": \""
                + live + "\", \"request_id\": \"a1\", \"command\": \"rm -rf x\", \"choices\": [\"once\", \"deny\"]}}";
        r.hub.send(approval);
        assertEquals(List.of(approval), tabletSink.take());
        assertEquals(List.of(), r.ownerSink.take());
        assertEquals(List.of(), viewerSink.take());
        int before = r.link.sent().size();
        String answer = "{\"jsonrpc\":\"2.0\",\"id\":\"srq-3f9c0a1b2d4e\",\"result\":{\"choice\":\"once\"}}";
        assertEquals(Member.Sent.NOT_YOURS, r.owner.send(f(answer)), "the owner was not asked");
        assertEquals(before, r.link.sent().size(), "and nothing reached the agent");
        assertEquals(Member.Sent.OK, tablet.send(f(answer)));
        assertSame(answer, r.link.last(), "the answer goes on unchanged");
        // The owner's answer racing in after the tablet's: the request is settled, so it still goes nowhere.
        int settled = r.link.sent().size();
        assertEquals(Member.Sent.NOT_YOURS, r.owner.send(f(answer)), "a late answer from a client that was not asked");
        assertEquals(Member.Sent.NOT_YOURS, tablet.send(f(answer)), "a second answer from the one that was");
        assertEquals(settled, r.link.sent().size(), "only one answer ever reached the agent");
    }

    @Test
    void approvalRespondNamingNoOpenRequestAnswersForTheSessionsOpenApprovals() throws Exception {
        // Found attacking the merged front: approval.respond with a request_id that names no open approval was
        // forwarded, and the agent may fall back to settling the session's oldest approval (the owner's).
        Rig r = new Rig(ParkingPolicy.defaults(), true, V1_READY);
        String live = r.createSession("e9718121", "st1");
        InMemoryClientSink tabletSink = new InMemoryClientSink();
        Member tablet = r.join("laptop", Role.PARTICIPANT, tabletSink, new ArrayList<>());
        for (Member m : List.of(r.owner, tablet)) {
            m.send(f(req("cap", "client.capabilities", "{\"server_requests\": true}")));
        }
        r.owner.send(f(req("p1", "prompt.submit", "{\"session_id\": \"" + live + "\", \"text\": \"rm it\"}")));
        r.hub.send("{\"jsonrpc\": \"2.0\", \"id\": \"srq-3f9c0a1b2d4e\", \"method\": \"approval\", \"params\": {\"session_id\": \"" + live
                + "\", \"request_id\": \"a1\", \"command\": \"rm -rf x\", \"choices\": [\"once\", \"deny\"]}}");
        int before = r.link.sent().size();
        assertEquals(Member.Sent.NOT_YOURS, tablet.send(f(req("x1", "approval.respond", "{\"session_id\": \"" + live
                + "\", \"request_id\": \"bogus\", \"choice\": \"once\"}"))));
        assertEquals(before, r.link.sent().size(), "nothing reached the agent");
        assertEquals(Member.Sent.OK, r.owner.send(f(req("o1", "approval.respond", "{\"session_id\": \"" + live
                + "\", \"request_id\": \"a1\", \"choice\": \"once\"}"))));
        assertEquals(Member.Sent.OK, tablet.send(f(req("x2", "approval.respond", "{\"session_id\": \"" + live
                + "\", \"request_id\": \"stale\", \"choice\": \"once\"}"))), "with nothing open, a stale id harms nobody");
    }

    @Test
    void requestCancelFollowsItsRequestAndSettlesIt() {
        Rig r = new Rig(ParkingPolicy.defaults(), true, V1_READY);
        String live = r.createSession("s0000001", "st1");
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        r.join("share:s1", Role.VIEWER, viewerSink, new ArrayList<>());
        r.owner.send(f(req("cap", "client.capabilities", "{\"server_requests\": true}")));
        String sudo = "{\"jsonrpc\": \"2.0\", \"id\": \"srq-000000000001\", \"method\": \"sudo\", \"params\": {\"session_id\": \"" + live
                + "\", \"command\": \"apt\"}}";
        r.hub.send(sudo);
        r.ownerSink.take();
        viewerSink.take();
        String cancel = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"request.cancel\", \"session_id\": \"" + live
                + "\", \"payload\": {\"id\": \"srq-000000000001\", \"method\": \"sudo\", \"reason\": \"timeout\"}, \"seq\": 5}}";
        r.hub.send(cancel);
        assertEquals(List.of(cancel), r.ownerSink.take());
        assertEquals(List.of(), viewerSink.take(), "a viewer never saw the request, so it is not told it was withdrawn");
        // Withdrawn: a late answer is no longer checked against a target (it goes on, the agent drops stale ones).
        assertEquals(Member.Sent.OK, r.owner.send(f("{\"jsonrpc\":\"2.0\",\"id\":\"srq-000000000001\",\"result\":{\"value\":\"pw\"}}")));
    }

    @Test
    void answersToSecretRequestsAreHandedOverAsPrivate() {
        Rig r = new Rig(ParkingPolicy.defaults(), true, V1_READY);
        r.owner.send(f(req("cap", "client.capabilities", "{\"server_requests\": true}")));
        r.hub.send("{\"jsonrpc\": \"2.0\", \"id\": \"srq-000000000002\", \"method\": \"sudo\", \"params\": {\"session_id\": \"s\"}}");
        r.hub.send("{\"jsonrpc\": \"2.0\", \"id\": \"srq-000000000003\", \"method\": \"approval\", \"params\": {\"session_id\": \"s\"}}");
        r.owner.send(f("{\"jsonrpc\":\"2.0\",\"id\":\"srq-000000000002\",\"result\":{\"value\":\"hunter2\"}}"));
        assertTrue(r.link.wasPrivate(r.link.sent().size() - 1));
        r.owner.send(f("{\"jsonrpc\":\"2.0\",\"id\":\"srq-000000000003\",\"result\":{\"choice\":\"once\"}}"));
        assertFalse(r.link.wasPrivate(r.link.sent().size() - 1));
    }

    @Test
    void answersMinus32601ForAClientThatNeverAdvertisedServerRequestsOnALocalLink() throws Exception {
        Rig r = new Rig(ParkingPolicy.defaults(), true, V1_READY);
        r.ownerSink.take();
        String approval = "{\"jsonrpc\": \"2.0\", \"id\": \"srq-0000000000aa\", \"method\": \"approval\", \"params\": {\"session_id\": \"s\"}}";
        r.hub.send(approval);
        assertEquals(List.of(), r.ownerSink.take(), "an old client is not handed a frame it cannot answer");
        JsonNode auto = json(r.link.last());
        assertEquals("srq-0000000000aa", auto.path("id").asText());
        assertEquals(-32601, auto.path("error").path("code").asInt());
        assertFalse(auto.has("method"));
    }

    @Test
    void passesServerRequestsThroughToAnUpstreamWhichGatesThemItself() {
        Rig r = new Rig(ParkingPolicy.defaults(), false, V1_READY);
        r.ownerSink.take();
        String approval = "{\"jsonrpc\": \"2.0\", \"id\": \"srq-0000000000bb\", \"method\": \"approval\", \"params\": {\"session_id\": \"s\"}}";
        r.hub.send(approval);
        assertEquals(List.of(approval), r.ownerSink.take());
        assertTrue(r.link.sent().isEmpty());
    }

    @Test
    void theJulyWireHasNoServerRequestsSoIdAndMethodFramesAreAnswersToCalls() {
        Rig r = new Rig();
        r.ownerSink.take();
        InMemoryClientSink other = new InMemoryClientSink();
        r.join("laptop", Role.PARTICIPANT, other, new ArrayList<>());
        other.take();
        r.owner.send(f(req("r1", "echo", "{}")));
        r.hub.send(req("r1", "echo", "{}")); // an echo agent answers with the call itself
        assertEquals(List.of(req("r1", "echo", "{}")), r.ownerSink.take());
        assertEquals(List.of(), other.take());
    }

    @Test
    void parksForTheLastParticipantAndReplaysEverythingOnceInOrder() throws Exception {
        Rig r = new Rig();
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        List<String> viewerCloses = new ArrayList<>();
        r.join("share:s1", Role.VIEWER, viewerSink, viewerCloses);
        r.ownerSink.take();
        r.hub.send(event("message.delta", "s", "{\"text\": \"0\"}"));
        WireFrame unsentFrame = r.ownerSink.takeWires().get(0); // pretend the socket never wrote it
        String unsent = unsentFrame.text();
        assertEquals(Member.Left.PARKED, r.owner.leave(List.of(unsentFrame), true));
        assertTrue(r.hub.parked());
        assertEquals(1, r.registry.parkedCount());
        List<String> expected = new ArrayList<>(List.of(unsent));
        for (int i = 1; i < 5; i++) {
            String e = event("message.delta", "s", "{\"text\": \"" + i + "\"}");
            r.hub.send(e);
            expected.add(e);
        }
        assertTrue(viewerSink.frames().stream().anyMatch(x -> x.contains("agent_parked")), viewerSink.frames().toString());
        AgentHub back = r.registry.takeParked("laptop", null).orElseThrow();
        InMemoryClientSink again = new InMemoryClientSink();
        Member m = back.reattach(new MemberSpec("laptop", Role.OWNER, null, false), again, Connection.NONE);
        assertSame(r.owner, m, "the same seat, with its sessions and calls");
        List<String> got = again.take();
        JsonNode hf = json(got.get(0)).path("params").path("payload").path("capabilities").path("hermes_front");
        assertTrue(hf.path("reattached").asBoolean(), got.get(0));
        assertEquals(4 + 1, hf.path("replayed_frames").asInt());
        assertEquals(expected, got.subList(1, got.size()));
        assertFalse(r.hub.parked());
        assertTrue(viewerSink.frames().stream().anyMatch(x -> x.contains("agent_reattached")));
        assertEquals(List.of(), viewerCloses);
    }

    @Test
    void framesAfterAParticipantWasCutOffWaitForItsParkingInOrder() {
        Rig r = new Rig();
        r.ownerSink.take();
        String a = event("message.delta", "s", "{\"text\": \"a\"}");
        String b = event("message.delta", "s", "{\"text\": \"b\"}");
        String c = event("message.delta", "s", "{\"text\": \"c\"}");
        r.hub.send(a);
        r.ownerSink.cutOff(); // its queue overflowed: the sink closed it and refuses frames
        r.hub.send(b);
        r.hub.send(c);
        assertEquals(Member.Left.PARKED, r.owner.leave(List.of(), true));
        InMemoryClientSink again = new InMemoryClientSink();
        r.registry.takeParked("laptop", null).orElseThrow().reattach(new MemberSpec("laptop", Role.OWNER, null, false), again, Connection.NONE);
        List<String> got = again.take();
        assertEquals(List.of(b, c), got.subList(1, got.size()));
    }

    @Test
    void viewersNeverKeepAnAgentAliveAndAreToldWhenItStops() {
        Rig r = new Rig(ParkingPolicy.disabled(), true, JULY_READY);
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        List<String> closes = new ArrayList<>();
        r.join("share:s1", Role.VIEWER, viewerSink, closes);
        assertEquals(Member.Left.STOPPED, r.owner.leave(List.of(), true));
        assertTrue(r.link.closed(), "the agent is stopped");
        assertEquals(1, r.ends.get(), "its slot is released once");
        assertTrue(viewerSink.frames().stream().anyMatch(x -> x.contains("agent_stopped")));
        assertEquals(List.of("1001 the agent was stopped"), closes);
        assertTrue(r.registry.find(r.hub.id()).isEmpty());
    }

    @Test
    void aViewerLeavingChangesNothingForTheOwner() {
        Rig r = new Rig(ParkingPolicy.disabled(), true, JULY_READY);
        Member viewer = r.join("share:s1", Role.VIEWER, new InMemoryClientSink(), new ArrayList<>());
        assertEquals(Member.Left.LEFT, viewer.leave(List.of(), true));
        assertFalse(r.link.closed());
        r.ownerSink.take();
        String e = event("message.delta", "s", "{}");
        r.hub.send(e);
        assertEquals(List.of(e), r.ownerSink.take());
    }

    @Test
    void aRequestOfferedToALeavingClientIsOfferedAgainWhenItComesBack() throws Exception {
        Rig r = new Rig(ParkingPolicy.defaults(), true, V1_READY);
        r.owner.send(f(req("cap", "client.capabilities", "{\"server_requests\": true}")));
        r.ownerSink.take();
        String approval = "{\"jsonrpc\": \"2.0\", \"id\": \"srq-0000000000cc\", \"method\": \"approval\", \"params\": {\"session_id\": \"s\"}}";
        r.hub.send(approval);
        r.ownerSink.take(); // written to the old socket, never answered
        r.owner.leave(List.of(), true);
        InMemoryClientSink again = new InMemoryClientSink();
        r.registry.takeParked("laptop", null).orElseThrow().reattach(new MemberSpec("laptop", Role.OWNER, null, false), again, Connection.NONE);
        List<String> got = again.take();
        assertEquals(List.of(approval), got.subList(1, got.size()));
    }

    @Test
    void aRequestBufferedWhileParkedArrivesOnceOnReattach() {
        Rig r = new Rig(ParkingPolicy.defaults(), true, V1_READY);
        r.owner.send(f(req("cap", "client.capabilities", "{\"server_requests\": true}")));
        r.owner.leave(List.of(), true);
        String approval = "{\"jsonrpc\": \"2.0\", \"id\": \"srq-0000000000dd\", \"method\": \"approval\", \"params\": {\"session_id\": \"s\"}}";
        r.hub.send(approval);
        InMemoryClientSink again = new InMemoryClientSink();
        r.registry.takeParked("laptop", null).orElseThrow().reattach(new MemberSpec("laptop", Role.OWNER, null, false), again, Connection.NONE);
        List<String> got = again.take();
        assertEquals(List.of(approval), got.subList(1, got.size()));
    }

    @Test
    void aSlowViewerNeverPacesTheAgentButAParticipantDoes() {
        Rig r = new Rig();
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        r.join("share:s1", Role.VIEWER, viewerSink, new ArrayList<>());
        viewerSink.fill();
        AtomicInteger called = new AtomicInteger();
        assertTrue(r.hub.whenWritable(called::incrementAndGet), "a full viewer does not hold the agent up");
        r.ownerSink.fill();
        assertFalse(r.hub.whenWritable(called::incrementAndGet));
        assertEquals(0, called.get());
        r.ownerSink.drain();
        assertEquals(1, called.get(), "writable again once the owner's queue drained");
    }

    @Test
    void aJoinedClientsResumeOfALiveSessionBecomesAContractValidActivateAndAStoredIdPassesUntouched() throws Exception {
        Rig r = new Rig();
        r.createSession("e9718121", "20261122_x");
        InMemoryClientSink tabletSink = new InMemoryClientSink();
        Member tablet = r.join("laptop", Role.PARTICIPANT, tabletSink, new ArrayList<>());
        tablet.send(f(req("r1", "session.resume", "{\"cols\": 80, \"session_id\": \"e9718121\", \"source\": \"tui\", \"lazy\": true, "
                + "\"profile\": \"p\", \"omit_messages\": false, \"inline_images\": true}")));
        JsonNode sent = json(r.link.last());
        assertEquals("session.activate", sent.path("method").asText());
        assertEquals(List.of("session_id", "profile", "cols", "omit_messages"), names(sent.path("params")));
        String stored = req("r2", "session.resume", "{\"cols\": 80, \"session_id\": \"20261122_x\"}");
        tablet.send(f(stored));
        assertEquals(stored, r.link.last());
        // The owner's own first connection is a pipe: its resume goes through as it is.
        String ownResume = req("r3", "session.resume", "{\"session_id\": \"e9718121\"}");
        r.owner.send(f(ownResume));
        assertEquals(ownResume, r.link.last());
    }

    private static List<String> names(JsonNode o) {
        List<String> r = new ArrayList<>();
        o.fieldNames().forEachRemaining(r::add);
        return r;
    }

    @Test
    void anExitReachesEveryConnectedClient() {
        Rig r = new Rig();
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        r.join("share:s1", Role.VIEWER, viewerSink, new ArrayList<>());
        r.hub.agentClosed(AgentExit.exited(3));
        assertEquals(3, r.ownerSink.exit().exitCode());
        assertEquals(3, viewerSink.exit().exitCode());
        assertEquals(Member.Left.STOPPED, r.owner.leave(List.of(), true), "an agent that exited is never parked");
    }

    @Test
    void givesUpAParkedAgentWhenItsWindowPassesAndLeavesItsOwnerANotice() throws Exception {
        Rig r = new Rig(new ParkingPolicy(Duration.ofMillis(50), 100, 1 << 20), true, JULY_READY);
        CountDownLatch ended = new CountDownLatch(1);
        r.registry.onEnded(h -> ended.countDown());
        r.owner.leave(List.of(), true);
        assertTrue(ended.await(5, TimeUnit.SECONDS));
        assertTrue(r.link.closed());
        List<String> notices = r.registry.takeNotices("laptop");
        assertEquals(1, notices.size());
        assertEquals("agent_lost", json(notices.get(0)).path("params").path("payload").path("hermes_front").path("event").asText());
        assertEquals(0, r.registry.parkedCount());
    }

    @Test
    void aParticipantJoiningAParkedAgentTakesItsSeatOver() {
        Rig r = new Rig();
        r.owner.leave(List.of(), true);
        String e = event("message.delta", "s", "{}");
        r.hub.send(e);
        InMemoryClientSink tablet = new InMemoryClientSink();
        Member m = r.join("laptop", Role.PARTICIPANT, tablet, new ArrayList<>());
        assertSame(r.owner, m);
        assertEquals(0, r.registry.parkedCount(), "no longer waiting to expire");
        List<String> got = tablet.take();
        assertEquals(List.of(e), got.subList(1, got.size()));
    }
}
