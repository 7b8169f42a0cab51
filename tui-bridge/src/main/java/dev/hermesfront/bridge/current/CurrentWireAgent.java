package dev.hermesfront.bridge.current;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.RequestId;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.PythonJson;
import java.io.IOException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * A stand-in agent that speaks the <em>current</em> upstream TUI wire on stdio, as {@code tui_gateway.entry}
 * at NousResearch/hermes-agent 9eb0 does according to {@code tui-wire-current.md}. No real current agent can be
 * run here; this one follows the spec so that the gateway's behaviour on the current wire can be tested and
 * transcripts recorded. It is deterministic apart from its generated ids (live sids, stored keys, the replay
 * epoch, {@code srq-} ids), which the conformance rules capture.
 *
 * <p>What it does, by spec section:
 * <ul>
 *   <li>§2: the first frame is {@code gateway.ready} with the payload keys in entry.py's order, {@code skin},
 *       {@code change_events}, {@code replay_epoch} (32 random hex digits, one per instance, i.e. per process),
 *       {@code capabilities}, {@code protocol: {version: 1}}, and no {@code heartbeat} (a stdio agent never says
 *       it answers pings).</li>
 *   <li>§3, §6.3: {@code gateway.ping} is not a contract method, so it gets {@code -32601} with the current
 *       text ({@code unknown method: gateway.ping — the client and the Hermes backend are out of sync …}), like
 *       every other method it does not serve. {@code ping} answers {@code {"pong": true}};
 *       {@code gateway.capabilities} answers {@code {"per_session_exclusive_submit": true}}.</li>
 *   <li>§4.2: {@code client.capabilities {server_requests}} answers the 9eb0 list of server requests and
 *       {@code declines_not_shown: true}. Like the real stdio agent it is not gated by the flag.</li>
 *   <li>§6.1: strict params. Each method it serves has its accepted key set ({@link #ACCEPTED}); an unknown key
 *       gets error {@code 4000} {@code invalid params for <method>: <key>: Extra inputs are not permitted — …}
 *       before the handler runs (the first unknown key, in the order sent, is named).</li>
 *   <li>§10.1: every session event carries {@code params.seq}, per session from 1, as the last member.</li>
 *   <li>§5: server→client requests with ids {@code srq-<12 hex>}, answered by a bare response frame (no
 *       {@code method}), which gets no reply; an unknown or settled id is dropped. An {@code error} answer
 *       counts as no answer. {@code session.interrupt} withdraws a pending request with the event
 *       {@code request.cancel {id, method, reason: "interrupted"}}, {@code session.close} with reason
 *       {@code session_closed}. {@code request.answer {id, result}} settles an open request over a normal call
 *       ({@code {"status": "ok"}}, or {@code "expired"}); {@code approval.respond} settles the session's pending
 *       approval ({@code {"resolved": n}}).</li>
 *   <li>§7: {@code session.resume} takes a <em>stored</em> id (a live sid gets {@code 4007}) and returns the live
 *       session with {@code running}, {@code inflight} and {@code open_requests: [{id, method, params}]} (oldest
 *       first); {@code session.activate} takes a live sid (keys {@code session_id, profile, cols,
 *       omit_messages}) and returns the same without {@code resumed}.</li>
 * </ul>
 *
 * <p>Triggers in {@code prompt.submit} text (case-sensitive):
 * <ul>
 *   <li>plain text: {@code {"status": "streaming"}}, then {@code message.start}, one {@code message.delta} per word
 *       of {@code "You said: <text>"}, {@code message.complete {text, status: "complete"}}, all at once;</li>
 *   <li>{@code APPROVE}: after {@code message.start} and the delta {@code "Asking first."} it sends an
 *       {@code approval} request ({@code request_id}, {@code command}, {@code description}, {@code choices},
 *       {@code allow_permanent}) and the turn waits; the answer {@code {"choice": c}} continues it with
 *       {@code " Approved (c)."} or, for {@code deny} or no answer, {@code " Not approved."}, then
 *       {@code message.complete};</li>
 *   <li>{@code SUDO}: the same with a {@code sudo} request ({@code command}); the answer {@code {"value": …}}
 *       carries a password, which the agent never writes anywhere: it continues with
 *       {@code " Got a sudo password."} or, when empty or unanswered, {@code " Sudo skipped."};</li>
 *   <li>{@code INSTALL}: the same with a {@code display.install.sudo} request ({@code command}); the answer
 *       {@code {"value": …}} continues it with {@code " Installing."} or {@code " Install skipped."}.</li>
 * </ul>
 * A second {@code prompt.submit} while a turn waits gets {@code 4009 session busy}.
 *
 * <p>Not from the spec (the stand-in's own choices): the key sets of {@code session.create} (the fork's
 * catalogue) and {@code session.close}/{@code session.interrupt} ({@code session_id}); the results of
 * {@code approval.received} ({@code {"status": "ok"}}), {@code session.close} ({@code {"closed": true}}); the
 * message of other errors ({@code 4001 session not found}, {@code 4007 session not found}, {@code 4009 session
 * busy}); the small {@code info} object. It emits no {@code approval.cancelled}, {@code session.info} or
 * {@code session.title}.
 *
 * <p>Not thread-safe on its own: {@link #accept} runs under this object's monitor and writes every output
 * frame from there, so frames go out in the order they are made.
 */
public final class CurrentWireAgent {
    /** The current text after {@code -32601} and {@code 4000} messages (rpc_dispatch.py@1214b9bf). */
    static final String OUT_OF_SYNC = " — the client and the Hermes backend are out of sync (different versions); "
            + "run `hermes update` and restart both";
    /** Server→client request methods at 9eb0 ({@code x-server-requests}), as {@code client.capabilities} lists them. */
    static final List<String> SERVER_REQUESTS = List.of("approval", "clarify", "display.install.sudo", "preview.act",
            "preview.read", "secret", "sudo", "terminal.read", "tour", "vault.code", "vault.save_login",
            "vault.unlock_prompt", "window.read");
    /** The params keys each served method accepts; any other key gets 4000 (tui-wire-current.md §6). */
    static final Map<String, Set<String>> ACCEPTED = Map.ofEntries(
            Map.entry("session.create", Set.of("cols", "title", "cwd", "model", "provider", "reasoning_effort", "fast",
                    "profile", "source", "close_on_disconnect", "messages", "parent_session_id")),
            Map.entry("session.resume", Set.of("session_id", "profile", "cols", "source", "lazy", "defer_history",
                    "omit_messages", "eager_build", "close_on_disconnect", "inline_images")),
            Map.entry("session.activate", Set.of("session_id", "profile", "cols", "omit_messages")),
            Map.entry("session.close", Set.of("session_id")),
            Map.entry("session.interrupt", Set.of("session_id")),
            Map.entry("prompt.submit", Set.of("session_id", "text", "client_turn_id", "display_kind", "interrupted",
                    "queued", "surface", "voice_context", "title_preview", "truncate_before_row_id",
                    "truncate_before_message_id", "truncate_before_user_ordinal", "confirm_truncate",
                    "confirm_empty_truncate", "rebind_survivor_row_ids")),
            Map.entry("client.capabilities", Set.of("server_requests")),
            Map.entry("gateway.capabilities", Set.of()),
            Map.entry("ping", Set.of()),
            Map.entry("approval.received", Set.of("session_id", "request_id")),
            Map.entry("approval.respond", Set.of("session_id", "choice", "all", "request_id")),
            Map.entry("request.answer", Set.of("id", "result", "profile")));
    private static final String MODEL = "standin-echo";
    private static final String PROVIDER = "hermes-front-standin";

    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final RandomGenerator random;
    private final Clock clock;
    private final Consumer<String> out;
    private final String epoch;
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    /** Open server→client requests by id, oldest first. */
    private final Map<String, Pending> open = new LinkedHashMap<>();
    private boolean serverRequests;
    private boolean stopped;

    /**
     * Creates an agent and writes {@code gateway.ready} to {@code out} at once.
     *
     * @param random draws the generated ids (live sids, stored-key suffixes, the replay epoch, {@code srq-} ids)
     * @param clock  dates the stored keys
     * @param out    receives each output frame, called under this agent's monitor
     */
    public CurrentWireAgent(ObjectMapper mapper, FrameCodec codec, RandomGenerator random, Clock clock, Consumer<String> out) {
        this.mapper = mapper;
        this.codec = codec;
        this.random = random;
        this.clock = clock;
        this.out = out;
        this.epoch = hex(32);
        synchronized (this) {
            ObjectNode payload = obj();
            payload.set("skin", obj().put("name", "default").set("branding",
                    obj().put("agent_name", "Hermes (current-wire stand-in)")));
            payload.put("change_events", true).put("replay_epoch", epoch);
            payload.set("capabilities", obj().put("event_replay", true).put("change_events", true).put("turn_lease", true)
                    .put("turn_recovery", false).put("client_turn_id", true));
            payload.set("protocol", obj().put("version", 1));
            ObjectNode params = obj().put("type", "gateway.ready");
            params.set("payload", payload);
            write(obj().put("jsonrpc", "2.0").put("method", "event").set("params", params));
        }
    }

    /** Returns this instance's replay epoch (the same on every ready frame it writes). */
    public String epoch() {
        return epoch;
    }

    /** Returns true once a client said {@code client.capabilities {server_requests: true}}. */
    public synchronized boolean serverRequestsAdvertised() {
        return serverRequests;
    }

    /** Handles one client frame (one stdin line). */
    public synchronized void accept(String text) {
        if (stopped || text.isBlank()) {
            return;
        }
        Decoded d = codec.decode(text);
        if (d instanceof Decoded.Invalid inv) {
            out.accept(inv.reply());
            return;
        }
        if (!(d instanceof Decoded.Valid valid)) {
            return;
        }
        Frame f = valid.frame();
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (IOException e) {
            out.accept(ProtocolErrors.parseError());
            return;
        }
        if (f.kind() == FrameKind.RESPONSE || f.kind() == FrameKind.ERROR) {
            // The client's answer to a server→client request: settles it, gets no reply (§5.2).
            JsonNode id = root.path("id");
            if (id.isTextual()) {
                settle(id.asText(), f.kind() == FrameKind.RESPONSE ? root.path("result") : null);
            }
            return;
        }
        if (!f.isCall()) {
            return;
        }
        JsonNode p = root.path("params");
        ObjectNode params = p.isObject() ? (ObjectNode) p : obj();
        RequestId id = f.replyId();
        Set<String> accepted = ACCEPTED.get(f.method());
        if (accepted == null) {
            error(id, -32601, "unknown method: " + f.method() + OUT_OF_SYNC);
            return;
        }
        for (Iterator<String> keys = params.fieldNames(); keys.hasNext(); ) {
            String k = keys.next();
            if (!accepted.contains(k)) {
                error(id, 4000, "invalid params for " + f.method() + ": " + k + ": Extra inputs are not permitted" + OUT_OF_SYNC);
                return;
            }
        }
        handle(id, f.method(), params);
    }

    /** Stops the agent: later input is ignored. */
    public synchronized void stop() {
        stopped = true;
    }

    private void handle(RequestId id, String method, ObjectNode p) {
        switch (method) {
            case "session.create" -> sessionCreate(id);
            case "session.resume" -> {
                String stored = p.path("session_id").asText("");
                Session s = sessions.values().stream().filter(x -> x.stored.equals(stored)).findFirst().orElse(null);
                if (stored.isEmpty()) {
                    error(id, 4006, "session_id required");
                } else if (s == null) {
                    error(id, 4007, "session not found");
                } else {
                    result(id, live(s, true));
                }
            }
            case "session.activate" -> withSession(id, p, s -> result(id, live(s, false)));
            case "session.close" -> withSession(id, p, s -> {
                result(id, obj().put("closed", true));
                cancelAll(s, "session_closed");
                sessions.remove(s.sid);
            });
            case "session.interrupt" -> withSession(id, p, s -> {
                result(id, obj().put("status", "interrupted"));
                if (s.turn != null) {
                    cancelAll(s, "interrupted");
                    s.finishTurn("interrupted");
                }
            });
            case "prompt.submit" -> withSession(id, p, s -> promptSubmit(id, s, p));
            case "client.capabilities" -> {
                serverRequests = p.path("server_requests").asBoolean(false);
                ObjectNode r = obj();
                ArrayNode list = r.putArray("server_requests");
                SERVER_REQUESTS.forEach(list::add);
                result(id, r.put("declines_not_shown", true));
            }
            case "gateway.capabilities" -> result(id, obj().put("per_session_exclusive_submit", true));
            case "ping" -> result(id, obj().put("pong", true));
            case "approval.received" -> withSession(id, p, s -> result(id, obj().put("status", "ok")));
            case "approval.respond" -> withSession(id, p, s -> {
                String requestId = p.path("request_id").asText(null);
                List<Pending> approvals = s.pending().stream().filter(x -> x.method.equals("approval")
                        && (requestId == null || requestId.equals(x.params.path("request_id").asText()))).toList();
                result(id, obj().put("resolved", approvals.size()));
                ObjectNode answer = obj().put("choice", p.path("choice").asText("deny"));
                approvals.forEach(x -> settle(x.id, answer));
            });
            case "request.answer" -> {
                String srq = p.path("id").asText("");
                boolean isOpen = open.containsKey(srq);
                result(id, obj().put("status", isOpen ? "ok" : "expired"));
                if (isOpen) {
                    settle(srq, p.path("result"));
                }
            }
            default -> error(id, -32601, "unknown method: " + method + OUT_OF_SYNC);
        }
    }

    private void sessionCreate(RequestId id) {
        Session s = new Session(hex(8), storedKey());
        sessions.put(s.sid, s);
        ObjectNode r = obj().put("session_id", s.sid).put("stored_session_id", s.stored).put("message_count", 0);
        r.putArray("messages");
        r.set("info", info(s));
        result(id, r);
    }

    private void promptSubmit(RequestId id, Session s, ObjectNode p) {
        if (s.turn != null) {
            error(id, 4009, "session busy");
            return;
        }
        String text = p.path("text").asText("");
        ObjectNode r = obj().put("status", "streaming");
        if (p.hasNonNull("client_turn_id")) {
            r.set("client_turn_id", p.get("client_turn_id"));
        }
        result(id, r);
        s.history.add(new String[] {"user", text});
        s.turn = new Turn(text);
        s.event("message.start", null);
        if (text.contains("APPROVE")) {
            s.stream("Asking first.");
            ObjectNode params = obj().put("session_id", s.sid).put("request_id", hex(8))
                    .put("command", "rm -rf /tmp/standin-scratch").put("description", "recursive delete (stand-in approval)");
            ArrayNode choices = params.putArray("choices");
            List.of("once", "session", "always", "deny").forEach(choices::add);
            params.put("allow_permanent", true);
            request(s, "approval", params, answer -> {
                String choice = answer == null ? "" : answer.path("choice").asText("");
                s.stream(List.of("once", "session", "always").contains(choice) ? " Approved (" + choice + ")." : " Not approved.");
                s.finishTurn("complete");
            });
        } else if (text.contains("SUDO")) {
            s.stream("Needs sudo.");
            request(s, "sudo", obj().put("session_id", s.sid).put("command", "apt-get install -y standin-package"), answer -> {
                boolean given = answer != null && !answer.path("value").asText("").isEmpty();
                s.stream(given ? " Got a sudo password." : " Sudo skipped.");
                s.finishTurn("complete");
            });
        } else if (text.contains("INSTALL")) {
            s.stream("Needs to install.");
            request(s, "display.install.sudo", obj().put("session_id", s.sid).put("command", "apt-get install -y standin-display"),
                    answer -> {
                        boolean given = answer != null && !answer.path("value").asText("").isEmpty();
                        s.stream(given ? " Installing." : " Install skipped.");
                        s.finishTurn("complete");
                    });
        } else {
            s.stream("You said: " + text);
            s.finishTurn("complete");
        }
    }

    /** Sends a server→client request for session {@code s}; its turn waits for {@code then}. */
    private void request(Session s, String method, ObjectNode params, Consumer<JsonNode> then) {
        Pending pending = new Pending("srq-" + hex(12), method, s, params, then);
        open.put(pending.id, pending);
        ObjectNode frame = obj().put("jsonrpc", "2.0").put("id", pending.id).put("method", method);
        frame.set("params", params);
        write(frame);
    }

    /** Settles an open request with {@code result}, or with no answer when null; unknown ids are dropped (§5.2). */
    private void settle(String srq, JsonNode result) {
        Pending pending = open.remove(srq);
        if (pending != null) {
            pending.then.accept(result == null || result.isMissingNode() || result.isNull() ? null : result);
        }
    }

    /** Withdraws every open request of {@code s} with a {@code request.cancel} event each. */
    private void cancelAll(Session s, String reason) {
        for (Pending x : s.pending()) {
            open.remove(x.id);
            s.event("request.cancel", obj().put("id", x.id).put("method", x.method).put("reason", reason));
        }
    }

    private void withSession(RequestId id, JsonNode p, Consumer<Session> action) {
        Session s = sessions.get(p.path("session_id").asText(""));
        if (s == null) {
            error(id, 4001, "session not found");
        } else {
            action.accept(s);
        }
    }

    /** The payload of a live session for resume (with {@code resumed}) and activate. */
    private ObjectNode live(Session s, boolean resumed) {
        ObjectNode r = obj().put("session_id", s.sid);
        if (resumed) {
            r.put("resumed", s.stored);
        }
        r.put("message_count", s.history.size());
        ArrayNode messages = r.putArray("messages");
        s.history.forEach(h -> messages.add(obj().put("role", h[0]).put("text", h[1])));
        r.set("info", info(s));
        r.put("running", s.turn != null).put("status", s.turn != null ? "working" : "idle");
        if (s.turn != null) {
            r.set("inflight", obj().put("user", s.turn.prompt).put("assistant", s.turn.sent.toString()).put("streaming", true));
        } else {
            r.putNull("inflight");
        }
        r.putArray("queued");
        ArrayNode requests = r.putArray("open_requests");
        for (Pending x : s.pending()) {
            ObjectNode o = obj().put("id", x.id).put("method", x.method);
            o.set("params", x.params.deepCopy());
            requests.add(o);
        }
        return r;
    }

    private ObjectNode info(Session s) {
        return obj().put("model", MODEL).put("provider", PROVIDER).put("stored_session_id", s.stored)
                .put("running", s.turn != null).put("cwd", "").put("profile_name", "default");
    }

    private void result(RequestId id, JsonNode result) {
        out.accept("{\"jsonrpc\": \"2.0\", \"id\": " + id.json() + ", \"result\": " + PythonJson.write(result) + "}");
    }

    private void error(RequestId id, int code, String message) {
        out.accept(ProtocolErrors.handlerError(id, code, message));
    }

    private void write(ObjectNode frame) {
        out.accept(PythonJson.write(frame));
    }

    private ObjectNode obj() {
        return mapper.createObjectNode();
    }

    private String hex(int digits) {
        StringBuilder b = new StringBuilder(digits);
        while (b.length() < digits) {
            b.append(Character.forDigit(random.nextInt(16), 16));
        }
        return b.toString();
    }

    private String storedKey() {
        LocalDateTime now = LocalDateTime.now(clock);
        return String.format("%04d%02d%02d_%02d%02d%02d_%s", now.getYear(), now.getMonthValue(), now.getDayOfMonth(),
                now.getHour(), now.getMinute(), now.getSecond(), hex(6));
    }

    /** An open server→client request. */
    private record Pending(String id, String method, Session session, ObjectNode params, Consumer<JsonNode> then) {}

    /** A running turn: the prompt and what was streamed so far. */
    private static final class Turn {
        final String prompt;
        final StringBuilder sent = new StringBuilder();

        Turn(String prompt) {
            this.prompt = prompt;
        }
    }

    /** One session, its event counter and its turn. Guarded by the agent's monitor. */
    private final class Session {
        final String sid;
        final String stored;
        final List<String[]> history = new ArrayList<>();
        long seq;
        Turn turn;

        Session(String sid, String stored) {
            this.sid = sid;
            this.stored = stored;
        }

        List<Pending> pending() {
            return open.values().stream().filter(x -> x.session == this).toList();
        }

        /** Writes a session event; {@code seq} is stamped last, after the payload (§10.1). */
        void event(String type, JsonNode payload) {
            ObjectNode params = obj().put("type", type).put("session_id", sid);
            if (payload != null) {
                params.set("payload", payload);
            }
            params.put("seq", ++seq);
            write(obj().put("jsonrpc", "2.0").put("method", "event").set("params", params));
        }

        /** Streams {@code text} as one delta per word (split after each space, so the deltas add up to it). */
        void stream(String text) {
            int start = 0;
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == ' ' && i > start && i + 1 < text.length()) {
                    delta(text.substring(start, i + 1));
                    start = i + 1;
                }
            }
            if (start < text.length()) {
                delta(text.substring(start));
            }
        }

        private void delta(String piece) {
            turn.sent.append(piece);
            event("message.delta", obj().put("text", piece));
        }

        void finishTurn(String status) {
            Turn t = turn;
            turn = null;
            history.add(new String[] {"assistant", t.sent.toString()});
            event("message.complete", obj().put("text", t.sent.toString()).put("status", status));
        }
    }
}
