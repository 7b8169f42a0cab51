package dev.hermesfront.bridge.current;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The current-wire stand-in, frame by frame (tui-wire-current.md). */
class CurrentWireAgentTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T10:15:30Z"), ZoneOffset.UTC);
    private final FrameCodec codec = new FrameCodec();
    private final List<String> out = new ArrayList<>();
    private CurrentWireAgent agent;

    @BeforeEach
    void start() {
        agent = new CurrentWireAgent(MAPPER, codec, new SplittableRandom(7), CLOCK, out::add);
    }

    /** Sends one frame and returns what the agent wrote because of it, each checked to be valid JSON-RPC. */
    private List<JsonNode> send(String frame) throws Exception {
        int from = out.size();
        agent.accept(frame);
        List<JsonNode> written = new ArrayList<>();
        for (String s : out.subList(from, out.size())) {
            assertTrue(codec.decode(s) instanceof Decoded.Valid, "invalid frame: " + s);
            assertTrue(s.contains("\": ") && !s.contains("\n"), "one line in the agent's serialization: " + s);
            written.add(MAPPER.readTree(s));
        }
        return written;
    }

    private List<JsonNode> call(String id, String method, String params) throws Exception {
        return send("{\"jsonrpc\":\"2.0\",\"id\":\"" + id + "\",\"method\":\"" + method + "\",\"params\":" + params + "}");
    }

    private JsonNode only(List<JsonNode> frames) {
        assertEquals(1, frames.size(), frames::toString);
        return frames.get(0);
    }

    private String create() throws Exception {
        out.clear();
        return only(call("c", "session.create", "{\"cols\": 80}")).path("result").path("session_id").asText();
    }

    private static List<String> types(List<JsonNode> frames) {
        return frames.stream().map(f -> f.has("method") && !f.path("method").asText().equals("event")
                ? "request " + f.path("method").asText()
                : f.has("method") ? f.path("params").path("type").asText() : "response " + f.path("id").asText()).toList();
    }

    @Test
    void writesReadyV1InEntryPyOrderWithoutHeartbeat() throws Exception {
        assertEquals(1, out.size());
        String ready = out.get(0);
        assertTrue(ready.startsWith("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": {\"skin\": {"), ready);
        JsonNode payload = MAPPER.readTree(ready).path("params").path("payload");
        List<String> keys = new ArrayList<>();
        payload.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("skin", "change_events", "replay_epoch", "capabilities", "protocol"), keys);
        assertTrue(payload.path("replay_epoch").asText().matches("[0-9a-f]{32}"));
        assertEquals(agent.epoch(), payload.path("replay_epoch").asText());
        assertEquals(1, payload.path("protocol").path("version").asInt());
        assertEquals(false, payload.path("capabilities").path("turn_recovery").asBoolean(true));
        assertTrue(ready.endsWith("\"protocol\": {\"version\": 1}}}}"), ready);
        List<String> other = new ArrayList<>();
        new CurrentWireAgent(MAPPER, codec, new SplittableRandom(8), CLOCK, other::add);
        assertNotEquals(agent.epoch(), MAPPER.readTree(other.get(0)).path("params").path("payload").path("replay_epoch").asText(),
                "a new process has a new epoch");
    }

    @Test
    void answersGatewayPingAsAnUnknownMethodWithTheCurrentText() throws Exception {
        out.clear();
        agent.accept("{\"jsonrpc\":\"2.0\",\"id\":\"heartbeat-1\",\"method\":\"gateway.ping\",\"params\":{}}");
        assertEquals(List.of("{\"jsonrpc\": \"2.0\", \"id\": \"heartbeat-1\", \"error\": {\"code\": -32601, \"message\": "
                + "\"unknown method: gateway.ping — the client and the Hermes backend are out of sync (different versions); "
                + "run `hermes update` and restart both\"}}"), out);
        assertEquals(-32601, only(call("x", "clarify.respond", "{}")).path("error").path("code").asInt(), "gone since the fork");
        assertEquals(Map.of("pong", true), MAPPER.convertValue(only(call("p", "ping", "{}")).path("result"), Map.class));
        assertTrue(only(call("g", "gateway.capabilities", "{}")).path("result").path("per_session_exclusive_submit").asBoolean());
    }

    @Test
    void refusesUnknownParamKeysWith4000BeforeTheHandlerRuns() throws Exception {
        String sid = create();
        out.clear();
        agent.accept("{\"jsonrpc\":\"2.0\",\"id\":\"r9\",\"method\":\"session.activate\",\"params\":{\"session_id\":\"" + sid
                + "\",\"lazy\":false}}");
        assertEquals(List.of("{\"jsonrpc\": \"2.0\", \"id\": \"r9\", \"error\": {\"code\": 4000, \"message\": \"invalid params "
                + "for session.activate: lazy: Extra inputs are not permitted — the client and the Hermes backend are out of "
                + "sync (different versions); run `hermes update` and restart both\"}}"), out);
        assertEquals(4000, only(call("r", "client.capabilities", "{\"server_requests\": true, \"plugin_cards\": true}"))
                .path("error").path("code").asInt());
        assertEquals(4000, only(call("r", "ping", "{\"x\": 1}")).path("error").path("code").asInt());
        assertEquals(4000, only(call("r", "prompt.submit", "{\"session_id\": \"nosuch\", \"text\": \"hi\", \"tag\": 1}"))
                .path("error").path("code").asInt(), "checked before the session is looked up");
        // The contract-valid rewrite of §6.2 passes.
        assertEquals(sid, only(call("r", "session.activate", "{\"session_id\": \"" + sid + "\", \"cols\": 120, "
                + "\"profile\": \"default\", \"omit_messages\": true}")).path("result").path("session_id").asText());
        for (Map.Entry<String, Set<String>> m : CurrentWireAgent.ACCEPTED.entrySet()) {
            StringBuilder params = new StringBuilder("{");
            for (String k : m.getValue()) {
                params.append(params.length() > 1 ? ", " : "").append('"').append(k).append("\": null");
            }
            out.clear();
            agent.accept("{\"jsonrpc\":\"2.0\",\"id\":\"k\",\"method\":\"" + m.getKey() + "\",\"params\":" + params + "}}");
            assertFalse(out.stream().anyMatch(s -> s.contains("\"code\": 4000")), m.getKey() + " accepts its own keys: " + out);
        }
    }

    @Test
    void streamsAPlainTurnWithSeqOnEverySessionEvent() throws Exception {
        String sid = create();
        List<JsonNode> f = call("r2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"hello there\", "
                + "\"client_turn_id\": \"t-1\"}");
        assertEquals(List.of("response r2", "message.start", "message.delta", "message.delta", "message.delta",
                "message.delta", "message.complete"), types(f));
        assertEquals("t-1", f.get(0).path("result").path("client_turn_id").asText());
        StringBuilder text = new StringBuilder();
        for (int i = 1; i < f.size(); i++) {
            JsonNode params = f.get(i).path("params");
            assertEquals(i, params.path("seq").asInt(), "seq counts from 1: " + f);
            List<String> keys = new ArrayList<>();
            params.fieldNames().forEachRemaining(keys::add);
            assertEquals("seq", keys.get(keys.size() - 1), "seq is the last member");
            if (params.path("type").asText().equals("message.delta")) {
                text.append(params.path("payload").path("text").asText());
            }
        }
        assertEquals("You said: hello there", text.toString());
        assertEquals("You said: hello there", f.get(f.size() - 1).path("params").path("payload").path("text").asText());
        assertEquals(7, call("r3", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"x\"}").get(1)
                .path("params").path("seq").asInt(), "per session, across turns");
        assertEquals(1, call("r4", "prompt.submit", "{\"session_id\": \"" + create() + "\", \"text\": \"x\"}").get(1)
                .path("params").path("seq").asInt(), "another session counts on its own");
    }

    @Test
    void sendsAnApprovalRequestAndWaitsForTheBareAnswer() throws Exception {
        String sid = create();
        List<JsonNode> f = call("r2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"please APPROVE this\"}");
        assertEquals(List.of("response r2", "message.start", "message.delta", "message.delta", "request approval"), types(f));
        JsonNode request = f.get(f.size() - 1);
        String srq = request.path("id").asText();
        assertTrue(srq.matches("srq-[0-9a-f]{12}"), srq);
        assertEquals(sid, request.path("params").path("session_id").asText());
        assertTrue(request.path("params").path("request_id").asText().matches("[0-9a-f]{8}"));
        assertEquals(List.of("once", "session", "always", "deny"), MAPPER.convertValue(request.path("params").path("choices"), List.class));
        assertTrue(out.get(out.size() - 1).startsWith("{\"jsonrpc\": \"2.0\", \"id\": \"srq-"), "id before method");

        assertTrue(only(call("r3", "approval.received", "{\"session_id\": \"" + sid + "\", \"request_id\": \""
                + request.path("params").path("request_id").asText() + "\"}")).has("result"));
        assertEquals(4009, only(call("r4", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"again\"}"))
                .path("error").path("code").asInt(), "the turn is still running");
        assertEquals(List.of(), send("{\"jsonrpc\":\"2.0\",\"id\":\"srq-000000000000\",\"result\":{\"choice\":\"once\"}}"),
                "an answer to no open request is dropped");

        List<JsonNode> after = send("{\"jsonrpc\":\"2.0\",\"id\":\"" + srq + "\",\"result\":{\"choice\":\"once\"}}");
        assertEquals(List.of("message.delta", "message.delta", "message.complete"), types(after), "no reply to the answer itself");
        assertEquals("Asking first. Approved (once).", after.get(2).path("params").path("payload").path("text").asText());
        assertEquals(List.of(), send("{\"jsonrpc\":\"2.0\",\"id\":\"" + srq + "\",\"result\":{\"choice\":\"deny\"}}"),
                "answering twice is a no-op");
    }

    @Test
    void anErrorAnswerCountsAsNoAnswer() throws Exception {
        String sid = create();
        String srq = call("r2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"APPROVE\"}").get(4).path("id").asText();
        List<JsonNode> after = send("{\"jsonrpc\":\"2.0\",\"id\":\"" + srq + "\",\"error\":{\"code\":-32601,\"message\":"
                + "\"no handler for server request: approval\"}}");
        assertEquals("Asking first. Not approved.", after.get(after.size() - 1).path("params").path("payload").path("text").asText());
    }

    @Test
    void interruptWithdrawsThePendingRequestWithRequestCancel() throws Exception {
        String sid = create();
        List<JsonNode> f = call("r2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"APPROVE\"}");
        String srq = f.get(f.size() - 1).path("id").asText();
        List<JsonNode> i = call("r3", "session.interrupt", "{\"session_id\": \"" + sid + "\"}");
        assertEquals(List.of("response r3", "request.cancel", "message.complete"), types(i));
        assertEquals(Map.of("id", srq, "method", "approval", "reason", "interrupted"),
                MAPPER.convertValue(i.get(1).path("params").path("payload"), Map.class));
        assertEquals(4, i.get(1).path("params").path("seq").asInt(), "after message.start and two deltas");
        assertEquals("interrupted", i.get(2).path("params").path("payload").path("status").asText());
        assertEquals(List.of(), send("{\"jsonrpc\":\"2.0\",\"id\":\"" + srq + "\",\"result\":{\"choice\":\"once\"}}"),
                "a withdrawn request's late answer is dropped");
        assertEquals("expired", only(call("r4", "request.answer", "{\"id\": \"" + srq + "\", \"result\": {\"choice\": \"once\"}}"))
                .path("result").path("status").asText());
    }

    @Test
    void neverWritesTheSudoPassword() throws Exception {
        String sid = create();
        List<JsonNode> f = call("r2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"SUDO please\"}");
        JsonNode request = f.get(f.size() - 1);
        assertEquals("sudo", request.path("method").asText());
        assertEquals(Set.of("session_id", "command"), fieldNames(request.path("params")));
        int from = out.size();
        send("{\"jsonrpc\":\"2.0\",\"id\":\"" + request.path("id").asText() + "\",\"result\":{\"value\":\"fake-pass-0000\"}}");
        assertTrue(out.subList(from, out.size()).stream().noneMatch(s -> s.contains("fake-pass")), out.toString());
        assertTrue(String.join("\n", out).contains("Needs sudo. Got a sudo password."));
    }

    @Test
    void resumesByStoredIdWithOpenRequestsAndRejectsALiveSid() throws Exception {
        JsonNode created = only(call("c", "session.create", "{}")).path("result");
        String sid = created.path("session_id").asText();
        String stored = created.path("stored_session_id").asText();
        assertTrue(stored.matches("20261130_101530_[0-9a-f]{6}"), stored);
        assertEquals(stored, created.path("info").path("stored_session_id").asText());
        List<JsonNode> f = call("r2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"APPROVE\"}");
        JsonNode request = f.get(f.size() - 1);

        assertEquals(4007, only(call("r3", "session.resume", "{\"session_id\": \"" + sid + "\"}")).path("error").path("code").asInt(),
                "a live sid is not a stored id");
        JsonNode resumed = only(call("r4", "session.resume", "{\"session_id\": \"" + stored + "\", \"cols\": 100}")).path("result");
        assertEquals(sid, resumed.path("session_id").asText());
        assertEquals(stored, resumed.path("resumed").asText());
        assertTrue(resumed.path("running").asBoolean());
        assertEquals("Asking first.", resumed.path("inflight").path("assistant").asText());
        assertEquals(1, resumed.path("open_requests").size());
        JsonNode open = resumed.path("open_requests").get(0);
        assertEquals(request.path("id"), open.path("id"));
        assertEquals("approval", open.path("method").asText());
        assertEquals(request.path("params"), open.path("params"));
        JsonNode activated = only(call("r5", "session.activate", "{\"session_id\": \"" + sid + "\"}")).path("result");
        assertFalse(activated.has("resumed"));
        assertEquals(resumed.path("open_requests"), activated.path("open_requests"));

        List<JsonNode> answered = call("r6", "request.answer", "{\"id\": \"" + request.path("id").asText()
                + "\", \"result\": {\"choice\": \"session\"}}");
        assertEquals("ok", answered.get(0).path("result").path("status").asText());
        assertEquals("Asking first. Approved (session).", answered.get(answered.size() - 1).path("params").path("payload")
                .path("text").asText());
        JsonNode idle = only(call("r7", "session.resume", "{\"session_id\": \"" + stored + "\"}")).path("result");
        assertEquals(0, idle.path("open_requests").size());
        assertTrue(idle.path("inflight").isNull());
        assertEquals(2, idle.path("message_count").asInt());
    }

    @Test
    void approvalRespondIsTheFallbackAnswer() throws Exception {
        String sid = create();
        call("r2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"APPROVE\"}");
        List<JsonNode> f = call("r3", "approval.respond", "{\"session_id\": \"" + sid + "\", \"choice\": \"deny\"}");
        assertEquals(1, f.get(0).path("result").path("resolved").asInt());
        assertEquals("Asking first. Not approved.", f.get(f.size() - 1).path("params").path("payload").path("text").asText());
        assertEquals(0, only(call("r4", "approval.respond", "{\"session_id\": \"" + sid + "\", \"choice\": \"once\"}"))
                .path("result").path("resolved").asInt());
    }

    @Test
    void advertisesTheServerRequestsItMaySend() throws Exception {
        JsonNode r = only(call("r3", "client.capabilities", "{\"server_requests\": true}")).path("result");
        assertEquals(CurrentWireAgent.SERVER_REQUESTS, MAPPER.convertValue(r.path("server_requests"), List.class));
        assertTrue(r.path("declines_not_shown").asBoolean());
        assertTrue(agent.serverRequestsAdvertised());
    }

    @Test
    void closingASessionWithdrawsItsRequests() throws Exception {
        String sid = create();
        call("r2", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"SUDO\"}");
        List<JsonNode> f = call("r3", "session.close", "{\"session_id\": \"" + sid + "\"}");
        assertEquals(List.of("response r3", "request.cancel"), types(f));
        assertEquals("session_closed", f.get(1).path("params").path("payload").path("reason").asText());
        assertEquals(4001, only(call("r4", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"x\"}"))
                .path("error").path("code").asInt());
    }

    private static Set<String> fieldNames(JsonNode n) {
        Set<String> s = new java.util.HashSet<>();
        n.fieldNames().forEachRemaining(s::add);
        return s;
    }
}
