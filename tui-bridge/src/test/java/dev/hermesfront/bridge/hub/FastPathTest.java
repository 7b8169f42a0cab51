package dev.hermesfront.bridge.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.FakeAgentLink;
import dev.hermesfront.bridge.InMemoryClientSink;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hub's one-client fast path and its boundary: with one participant and no open server request, frames go
 * pipe → sink and call → link without entering the {@link Router} ({@link Router#routed} does not move); a second
 * client switches to the router with nothing lost or reordered, the last one leaving switches back, and a
 * server→client request arriving while solo goes through the router.
 */
class FastPathTest {
    private static final ObjectMapper MAPPER = AgentJson.newMapper();
    private static final FrameCodec CODEC = new FrameCodec();

    private final List<AgentRegistry> registries = new ArrayList<>();

    @AfterEach
    void closeRegistries() {
        registries.forEach(AgentRegistry::close);
    }

    private static Frame f(String text) {
        return ((Decoded.Valid) CODEC.decode(text)).frame();
    }

    private static String call(String id, String method, String params) {
        return "{\"jsonrpc\": \"2.0\", \"id\": \"" + id + "\", \"method\": \"" + method + "\", \"params\": " + params + "}";
    }

    private static String result(String idJson, String result) {
        return "{\"jsonrpc\": \"2.0\", \"id\": " + idJson + ", \"result\": " + result + "}";
    }

    private static String event(String sid, int n) {
        return "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"message.delta\", \"session_id\": \"" + sid
                + "\", \"payload\": {\"n\": " + n + "}}}";
    }

    private static WireFrame arrived(String text) {
        return WireFrame.ofUtf8(text.getBytes(StandardCharsets.UTF_8));
    }

    private final class Rig {
        final AgentHub hub;
        final FakeAgentLink link = new FakeAgentLink();
        final InMemoryClientSink ownerSink = new InMemoryClientSink();
        final Member owner;

        Rig(boolean local, String ready) {
            AgentRegistry registry = new AgentRegistry(ParkingPolicy.defaults(), MAPPER, CODEC, MemoryBudget.unlimited());
            registries.add(registry);
            hub = registry.create(new Owner("laptop", "laptop"), local);
            owner = hub.attach(new MemberSpec("laptop", Role.OWNER, null, false), ownerSink, Connection.NONE);
            hub.link(link, () -> { });
            hub.send(ready);
            ownerSink.take();
        }

        Member join(String name, Role role, InMemoryClientSink sink) {
            Member m = hub.join(new MemberSpec(name, role, null, false), sink, Connection.NONE);
            sink.take(); // its ready frame
            return m;
        }

        long routed() {
            synchronized (hub) {
                return hub.router.routed();
            }
        }
    }

    @Test
    void oneClientNeverEntersTheRouterForEventsPlainCallsAndTheirAnswers() {
        Rig r = new Rig(true, AgentHubTest.JULY_READY);
        long before = r.routed();
        String config = call("c1", "config.get", "{}");
        assertEquals(Member.Sent.OK, r.owner.send(f(config)));
        assertSame(config, r.link.last(), "the very frame the client sent");
        WireFrame delta = arrived(event("s1", 1));
        WireFrame answer = arrived(result("\"c1\"", "{\"config\": {}}"));
        WireFrame stale = arrived(result("\"nobody\"", "{}"));
        r.hub.send(delta);
        r.hub.send(answer);
        r.hub.send(stale);
        List<WireFrame> got = r.ownerSink.takeWires();
        assertSame(delta, got.get(0));
        assertSame(answer, got.get(1));
        assertSame(stale, got.get(2), "an answer to nothing seen goes to the participants: the one client");
        assertEquals(before, r.routed(), "pipe to sink and call to link, the router untouched");

        // What the router must see still goes there, alone or not.
        r.owner.send(f(call("c2", "session.create", "{}")));
        assertEquals(before, r.routed(), "the call needs only its id");
        r.hub.send(result("\"c2\"", "{\"session_id\": \"s1\"}"));
        assertEquals(before + 1, r.routed(), "its answer teaches a session");
        r.owner.send(f(call("c3", "prompt.submit", "{\"session_id\": \"s1\", \"text\": \"hi\"}")));
        assertEquals(before + 2, r.routed(), "a submission names its submitter");
    }

    @Test
    void aSecondClientSwitchesToTheRouterAndTheLastToLeaveSwitchesBack() {
        Rig r = new Rig(true, AgentHubTest.JULY_READY);
        r.owner.send(f(call("c1", "session.create", "{}")));
        r.hub.send(result("\"c1\"", "{\"session_id\": \"s1\"}"));
        r.owner.send(f(call("a1", "config.get", "{}"))); // outstanding across the join
        r.hub.send(event("s1", 1));
        long solo = r.routed();

        InMemoryClientSink phoneSink = new InMemoryClientSink();
        Member phone = r.join("phone", Role.PARTICIPANT, phoneSink);
        phone.send(f(call("a1", "config.get", "{\"phone\": true}")));
        String renumbered = r.link.last();
        assertFalse(renumbered.contains("\"a1\""), "the owner's a1 is outstanding: the phone's is renumbered");
        r.hub.send(event("s1", 2));
        r.hub.send(result("\"a1\"", "{\"who\": \"owner\"}"));
        String phoneKey = renumbered.substring(renumbered.indexOf("\"hf."), renumbered.indexOf('"', renumbered.indexOf("\"hf.") + 1) + 1);
        r.hub.send(result(phoneKey, "{\"who\": \"phone\"}"));
        assertTrue(r.routed() >= solo + 4, "with two clients every frame goes through the router");

        assertEquals(Member.Left.LEFT, phone.leave(List.of(), true));
        long back = r.routed();
        r.hub.send(event("s1", 3));
        r.owner.send(f(call("a2", "config.get", "{}")));
        r.hub.send(result("\"a2\"", "{}"));
        assertEquals(back, r.routed(), "alone again: the fast path");

        assertEquals(List.of(result("\"c1\"", "{\"session_id\": \"s1\"}"), event("s1", 1), event("s1", 2), result("\"a1\"", "{\"who\": \"owner\"}"),
                event("s1", 3), result("\"a2\"", "{}")), r.ownerSink.take(), "every frame once, in order, across both switches");
        assertEquals(List.of(result("\"a1\"", "{\"who\": \"phone\"}")), phoneSink.take(),
                "the phone's answer with its own id; an event of a session it never attached to is not its");
    }

    @Test
    void aRenumberedCallAnsweredAfterTheOtherClientLeftIsSplicedByThePipe() {
        Rig r = new Rig(true, AgentHubTest.JULY_READY);
        InMemoryClientSink phoneSink = new InMemoryClientSink();
        Member phone = r.join("phone", Role.PARTICIPANT, phoneSink);
        phone.send(f(call("x", "config.get", "{}")));
        r.owner.send(f(call("x", "config.get", "{}")));
        String sent = r.link.last();
        String key = sent.substring(sent.indexOf("\"hf."), sent.indexOf('"', sent.indexOf("\"hf.") + 1) + 1);
        phone.leave(List.of(), true);
        long before = r.routed();
        WireFrame answer = arrived(result(key, "{\"ok\": true}"));
        r.hub.send(answer);
        assertEquals(before, r.routed());
        assertEquals(List.of(result("\"x\"", "{\"ok\": true}")), r.ownerSink.take(), "the owner's own id back, spliced");
        assertFalse(answer.decoded(), "spliced in its bytes");
    }

    @Test
    void framesStreamingWhileAClientJoinsAndLeavesAreNeitherLostNorReordered() throws Exception {
        Rig r = new Rig(true, AgentHubTest.JULY_READY);
        int n = 4000;
        CountDownLatch halfway = new CountDownLatch(1);
        Thread agent = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                r.hub.send(arrived(event("", i))); // no session: every client's
                if (i == n / 4) {
                    halfway.countDown();
                }
            }
        }, "fast-path-test-agent");
        agent.start();
        assertTrue(halfway.await(10, TimeUnit.SECONDS));
        InMemoryClientSink phoneSink = new InMemoryClientSink();
        Member phone = r.hub.join(new MemberSpec("phone", Role.PARTICIPANT, null, false), phoneSink, Connection.NONE);
        Thread.sleep(5);
        phone.leave(List.of(), true);
        agent.join(10_000);
        assertFalse(agent.isAlive());

        List<String> owner = r.ownerSink.take();
        assertEquals(n, owner.size(), "the owner got every frame");
        for (int i = 0; i < n; i++) {
            assertEquals(event("", i), owner.get(i));
        }
        List<String> seen = phoneSink.take();
        assertTrue(seen.get(0).contains("gateway.ready"), "the phone's ready comes first");
        if (seen.size() > 1) {
            int first = MAPPER.readTree(seen.get(1)).path("params").path("payload").path("n").asInt();
            for (int i = 1; i < seen.size(); i++) {
                assertEquals(event("", first + i - 1), seen.get(i), "the phone saw one unbroken stretch, in order");
            }
        }
    }

    @Test
    void aServerRequestArrivingWhileSoloGoesThroughTheRouter() {
        Rig r = new Rig(false, AgentHubTest.V1_READY);
        r.owner.send(f(call("cap", "client.capabilities", "{\"server_requests\": true}")));
        r.owner.send(f(call("a1", "config.get", "{}")));
        long before = r.routed();
        String approval = "{\"jsonrpc\": \"2.0\", \"id\": \"srq-1\", \"method\": \"approval\", \"params\": {\"session_id\": \"s1\"}}";
        r.hub.send(arrived(approval));
        assertEquals(before + 1, r.routed(), "a server request is the router's");
        assertFalse(r.hub.router.idle());
        r.hub.send(arrived(result("\"a1\"", "{}")));
        assertEquals(before + 2, r.routed(), "while a request is open, answers go through the router too");
        assertEquals(List.of(approval, result("\"a1\"", "{}")), r.ownerSink.take());
        assertEquals(Member.Sent.OK, r.owner.send(f("{\"jsonrpc\": \"2.0\", \"id\": \"srq-1\", \"result\": {\"choice\": \"once\"}}")));
        assertEquals(Member.Sent.NOT_YOURS, r.owner.send(f("{\"jsonrpc\": \"2.0\", \"id\": \"srq-1\", \"result\": {\"choice\": \"once\"}}")),
                "answered once: a second answer goes nowhere");
        assertTrue(r.hub.router.idle());
    }

    @Test
    void aLocalAgentsServerRequestToASoloClientThatCannotAnswerIsAnsweredByTheRouter() {
        Rig r = new Rig(true, AgentHubTest.V1_READY);
        r.hub.send(arrived("{\"jsonrpc\": \"2.0\", \"id\": \"srq-2\", \"method\": \"approval\", \"params\": {\"session_id\": \"s1\"}}"));
        assertTrue(r.link.last().contains("\"srq-2\"") && r.link.last().contains("-32601"), r.link.last());
        assertEquals(List.of(), r.ownerSink.take());
    }

    @Test
    void membershipKnowsTheSoloMemberAndTheSinksThatPace() {
        Rig r = new Rig(true, AgentHubTest.JULY_READY);
        synchronized (r.hub) {
            assertSame(r.owner, r.hub.members.solo());
            assertEquals(1, r.hub.members.pacing().length);
        }
        InMemoryClientSink viewerSink = new InMemoryClientSink();
        Member viewer = r.join("viewer", Role.VIEWER, viewerSink);
        synchronized (r.hub) {
            assertNull(r.hub.members.solo(), "a viewer makes two: the router decides what it may see");
            assertEquals(1, r.hub.members.pacing().length, "a viewer never paces the agent");
        }
        viewer.leave(List.of(), true);
        synchronized (r.hub) {
            assertSame(r.owner, r.hub.members.solo());
        }
        assertEquals(Member.Left.PARKED, r.owner.leave(List.of(), true));
        synchronized (r.hub) {
            assertSame(r.owner, r.hub.members.solo(), "parked, still the one member: the pipe fills its buffer");
            assertEquals(0, r.hub.members.pacing().length, "nobody connected paces the agent");
        }
    }

    @Test
    void theRouterSaysWhichAnswersThePipeMayHandOverItself() {
        Rig r = new Rig(true, AgentHubTest.JULY_READY);
        Member owner = r.owner;
        Member link = new Member(r.hub, 9, new MemberSpec("share:s1", Role.PARTICIPANT, "s1", false), new InMemoryClientSink(), Connection.NONE);
        Member viewer = new Member(r.hub, 10, new MemberSpec("share:s2", Role.VIEWER, "s2", false), new InMemoryClientSink(), Connection.NONE);
        synchronized (r.hub) {
            Router router = r.hub.router;
            assertTrue(router.plain(null), "an answer to nothing seen");
            assertTrue(router.plain(new IdMux.Pending(null, null, "config.get")), "its caller left: dropped by the pipe");
            assertTrue(router.plain(new IdMux.Pending(owner, "\"x\"", "config.get")), "renumbered: the pipe splices");
            assertTrue(router.plain(new IdMux.Pending(owner, null, "session.list")), "no store kept apart: the owner sees the list");
            assertFalse(router.plain(new IdMux.Pending(owner, null, "session.create")), "a session call's answer teaches the session");
            assertFalse(router.plain(new IdMux.Pending(link, null, "session.list")), "a share link's list is filtered");
            assertFalse(router.plain(new IdMux.Pending(link, null, "projects.tree")), "and its projects tree");
            assertFalse(router.plain(new IdMux.Pending(viewer, null, "config.get")), "a viewer's answers are the router's");
        }
    }

    @Test
    void theRouterNamesTheCallsAClientAloneStillNeedsItFor() {
        for (String m : List.of("prompt.submit", "session.steer", "client.capabilities", "session.resume", "session.delete",
                "request.answer", "approval.respond", "clarify.lock", "clarify.respond", "sudo.respond")) {
            assertTrue(Router.routedCall(m), m);
        }
        for (String m : List.of("config.get", "session.create", "session.activate", "session.list", "terminal.resize")) {
            assertFalse(Router.routedCall(m), m);
        }
        assertTrue(Router.routedCall(null));
    }
}
