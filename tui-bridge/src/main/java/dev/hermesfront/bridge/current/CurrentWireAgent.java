package dev.hermesfront.bridge.current;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.PythonJson;
import dev.hermesfront.protocol.RequestId;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
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
 * <p>Two {@code gateway.ready} shapes (tui-wire-current.md §13.1, {@link Ready}). With {@link Ready#SHARED_SESSION}
 * it speaks the shared-session wire v1 (§13.2, {@code SHARED_SESSION_WIRE.md@5f6bb611}) as well, every member S1–S10:
 * <ul>
 *   <li>S1: the ready payload is {@code skin, change_events, replay_epoch, shared_session {version: 1, socket_id}}
 *       (32 hex digits, one per instance, i.e. per connection), with no {@code capabilities}, {@code protocol} or
 *       {@code heartbeat} (the stand-in is a stdio agent, which does not answer pings);</li>
 *   <li>S2: {@code message.start}, {@code message.delta}, {@code message.input} and {@code message.complete} carry
 *       {@code params.turn = {id: "T<n>", source: {kind: "connection", socket_id}}} after {@code seq};</li>
 *   <li>S3, S4: {@code submission_ref} on {@code prompt.submit}, {@code session.steer} and {@code session.redirect},
 *       {@code input_visibility} on the last two (in the 9eb0 shape these keys get 4000); a ref is never
 *       de-duplicated, as upstream says;</li>
 *   <li>S5: their results carry {@code submission = {input_id: "in-<n>", ref?, disposition, turn?}} (dispositions
 *       {@code starting}, {@code steered}, {@code redirected}, {@code unresolved}); a busy {@code prompt.submit} gets
 *       4009 with {@code error.data.submission};</li>
 *   <li>S6, S8: {@code message.start} has the payload {@code {input, inputs, inputs_complete}}, {@code message.complete}
 *       adds {@code inputs, inputs_complete};</li>
 *   <li>S7: a visible steer or redirect during a turn emits {@code message.input {kind, input, inputs,
 *       inputs_complete, offset}} (offset: characters streamed so far);</li>
 *   <li>S9: after each turn a {@code session.info} event with {@code payload.submission_state = {revision, queued,
 *       queued_complete, outcomes, outcomes_truncated_before_revision}} (the last 256 outcomes), and the same in
 *       the results of {@code session.resume} and {@code session.activate};</li>
 *   <li>S10: their {@code inflight} adds {@code turn, input, inputs, inputs_complete, input_observations,
 *       input_observations_complete};</li>
 *   <li>§13.4: {@code gateway.capabilities} says {@code worker_snapshot_v1: true} and {@code subagent.snapshot}
 *       answers {@code {workers: [], revision: 0}}.</li>
 * </ul>
 * In both shapes {@code session.steer} and {@code session.redirect} are served (keys {@code session_id, text}, plus
 * S3/S4 in the shared-session shape); in the 9eb0 shape they answer {@code {"status": "ok"}}.
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
            Map.entry("request.answer", Set.of("id", "result", "profile")),
            Map.entry("session.steer", Set.of("session_id", "text")),
            Map.entry("session.redirect", Set.of("session_id", "text")));
    /** The keys the shared-session wire v1 adds (§13.2 S3, S4) and its one new method (§13.4). */
    private static final Map<String, Set<String>> SHARED_SESSION_ACCEPTED = Map.of(
            "prompt.submit", Set.of("submission_ref"),
            "session.steer", Set.of("submission_ref", "input_visibility"),
            "session.redirect", Set.of("submission_ref", "input_visibility"),
            "subagent.snapshot", Set.of("session_id"));
    /** Events bound to a turn: they carry {@code params.turn} on the shared-session wire (S2). */
    private static final Set<String> TURN_EVENTS = Set.of("message.start", "message.delta", "message.input", "message.complete");
    /** Outcomes kept in {@code submission_state} (upstream bounds it at 256 records). */
    private static final int OUTCOMES = 256;
    private static final String MODEL = "standin-echo";
    private static final String PROVIDER = "hermes-front-standin";

    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final RandomGenerator random;
    private final Clock clock;
    private final Consumer<String> out;
    private final String epoch;
    private final Ready shape;
    private final String socketId;
    private int inputs;
    private int turns;
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
        this(mapper, codec, random, clock, Ready.V1_9EB0, out);
    }

    /** The two {@code gateway.ready} shapes of the current upstream (tui-wire-current.md §13.1). */
    public enum Ready {
        /** {@code 9eb0dedd}: {@code capabilities} and {@code protocol: {version: 1}} (§2). */
        V1_9EB0,
        /** {@code aa1b8f85}: {@code shared_session: {version: 1, socket_id}}, and the shared-session wire v1 (§13.2). */
        SHARED_SESSION
    }

    /**
     * Creates an agent with the given ready shape and writes {@code gateway.ready} to {@code out} at once.
     *
     * @param shape {@link Ready#SHARED_SESSION} also speaks the shared-session wire v1
     */
    public CurrentWireAgent(ObjectMapper mapper, FrameCodec codec, RandomGenerator random, Clock clock, Ready shape,
                            Consumer<String> out) {
        this.shape = shape;
        this.mapper = mapper;
        this.codec = codec;
        this.random = random;
        this.clock = clock;
        this.out = out;
        this.epoch = hex(32);
        this.socketId = hex(32);
        synchronized (this) {
            ObjectNode payload = obj();
            payload.set("skin", obj().put("name", "default").set("branding",
                    obj().put("agent_name", "Hermes (current-wire stand-in)")));
            payload.put("change_events", true).put("replay_epoch", epoch);
            if (shared()) {
                payload.set("shared_session", obj().put("version", 1).put("socket_id", socketId));
            } else {
                payload.set("capabilities", obj().put("event_replay", true).put("change_events", true).put("turn_lease", true)
                        .put("turn_recovery", false).put("client_turn_id", true));
                payload.set("protocol", obj().put("version", 1));
            }
            ObjectNode params = obj().put("type", "gateway.ready");
            params.set("payload", payload);
            write(obj().put("jsonrpc", "2.0").put("method", "event").set("params", params));
        }
    }

    /** Returns this instance's ready shape. */
    public Ready shape() {
        return shape;
    }

    /** Returns this instance's {@code shared_session.socket_id} (written only in the shared-session shape). */
    public String socketId() {
        return socketId;
    }

    private boolean shared() {
        return shape == Ready.SHARED_SESSION;
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
        if (shared() && SHARED_SESSION_ACCEPTED.containsKey(f.method())) {
            Set<String> more = new HashSet<>(accepted == null ? Set.of() : accepted);
            more.addAll(SHARED_SESSION_ACCEPTED.get(f.method()));
            accepted = more;
        }
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
            case "gateway.capabilities" -> {
                ObjectNode r = obj().put("per_session_exclusive_submit", true);
                result(id, shared() ? r.put("worker_snapshot_v1", true) : r);
            }
            case "subagent.snapshot" -> withSession(id, p, s -> {
                ObjectNode r = obj();
                r.putArray("workers");
                result(id, r.put("revision", 0));
            });
            case "session.steer", "session.redirect" -> withSession(id, p, s -> steer(id, s, method, p));
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
            if (shared()) {
                ObjectNode data = obj();
                data.set("submission", s.admit(newInput(p), "unresolved", null));
                out.accept("{\"jsonrpc\": \"2.0\", \"id\": " + id.json() + ", \"error\": {\"code\": 4009, \"message\": "
                        + "\"session busy\", \"data\": " + PythonJson.write(data) + "}}");
                return;
            }
            error(id, 4009, "session busy");
            return;
        }
        String text = p.path("text").asText("");
        ObjectNode r = obj().put("status", "streaming");
        if (p.hasNonNull("client_turn_id")) {
            r.set("client_turn_id", p.get("client_turn_id"));
        }
        Input input = shared() ? newInput(p) : null;
        Turn turn = new Turn(text, shared() ? "T" + (++turns) : null, input);
        if (shared()) {
            r.set("submission", s.admit(input, "starting", turn.id));
        }
        result(id, r);
        s.history.add(new String[] {"user", text});
        s.turn = turn;
        s.event("message.start", shared() ? turn.inputs(obj().set("input", input.json())) : null);
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

    /** {@code session.steer} / {@code session.redirect}: folds visible input into the running turn (S3–S7). */
    private void steer(RequestId id, Session s, String method, ObjectNode p) {
        if (!shared()) {
            result(id, obj().put("status", "ok"));
            return;
        }
        Input input = newInput(p);
        String kind = method.equals("session.steer") ? "steer" : "redirect";
        ObjectNode r = obj().put("status", "ok");
        if (s.turn == null) {
            r.set("submission", s.admit(input, "unresolved", null));
            result(id, r);
            return;
        }
        r.set("submission", s.admit(input, kind.equals("steer") ? "steered" : "redirected", s.turn.id));
        result(id, r);
        s.turn.inputs.add(input);
        if (!"hidden".equals(p.path("input_visibility").asText("visible"))) {
            ObjectNode payload = obj().put("kind", kind);
            payload.set("input", input.json());
            s.event("message.input", s.turn.inputs(payload).put("offset", s.turn.sent.length()));
        }
    }

    /** A new input of the shared-session wire: {@code in-<n>}, its text and its (valid) {@code submission_ref}. */
    private Input newInput(ObjectNode p) {
        String ref = p.path("submission_ref").asText("");
        boolean valid = !ref.isEmpty() && ref.length() <= 64 && ref.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        return new Input("in-" + (++inputs), p.path("text").asText(""), valid ? ref : null);
    }

    /** One input (a prompt, a steer, a redirect) as the shared-session wire names it. */
    private final class Input {
        final String id;
        final String text;
        final String ref;

        Input(String id, String text, String ref) {
            this.id = id;
            this.text = text;
            this.ref = ref;
        }

        ObjectNode json() {
            ObjectNode o = obj().put("input_id", id).put("text", text);
            return ref == null ? o : o.put("ref", ref);
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
            ObjectNode inflight = obj().put("user", s.turn.prompt).put("assistant", s.turn.sent.toString()).put("streaming", true);
            if (shared()) {
                inflight.set("turn", s.turn.json());
                inflight.set("input", s.turn.inputs.get(0).json());
                s.turn.inputs(inflight);
                ArrayNode observations = inflight.putArray("input_observations");
                s.turn.inputs.subList(1, s.turn.inputs.size()).forEach(x -> observations.add(x.json()));
                inflight.put("input_observations_complete", true);
            }
            r.set("inflight", inflight);
        } else {
            r.putNull("inflight");
        }
        if (shared()) {
            r.set("submission_state", s.submissionState());
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

    /** A running turn: the prompt, what was streamed so far, and on the shared-session wire its id and inputs. */
    private final class Turn {
        final String prompt;
        final StringBuilder sent = new StringBuilder();
        final String id;
        final List<Input> inputs = new ArrayList<>();

        Turn(String prompt, String id, Input first) {
            this.prompt = prompt;
            this.id = id;
            if (first != null) {
                inputs.add(first);
            }
        }

        /** {@code params.turn} (S2). */
        ObjectNode json() {
            ObjectNode t = obj().put("id", id);
            t.set("source", obj().put("kind", "connection").put("socket_id", socketId));
            return t;
        }

        /** Adds {@code inputs} and {@code inputs_complete} to {@code o} (S6, S7, S8, S10). */
        ObjectNode inputs(ObjectNode o) {
            ArrayNode list = o.putArray("inputs");
            inputs.forEach(x -> list.add(x.json()));
            return o.put("inputs_complete", true);
        }
    }

    /** One session, its event counter and its turn. Guarded by the agent's monitor. */
    private final class Session {
        final String sid;
        final String stored;
        final List<String[]> history = new ArrayList<>();
        /** Shared-session wire: the outcome of every admitted input, oldest first (the last {@link #OUTCOMES}). */
        final List<ObjectNode> outcomes = new ArrayList<>();
        long revision;
        long truncatedBefore;
        long seq;
        Turn turn;

        Session(String sid, String stored) {
            this.sid = sid;
            this.stored = stored;
        }

        List<Pending> pending() {
            return open.values().stream().filter(x -> x.session == this).toList();
        }

        /** Records an input's outcome and returns its receipt, {@code {input_id, ref?, disposition, turn?}} (S5). */
        ObjectNode admit(Input input, String disposition, String turnId) {
            ObjectNode receipt = obj().put("input_id", input.id);
            if (input.ref != null) {
                receipt.put("ref", input.ref);
            }
            receipt.put("disposition", disposition);
            if (turnId != null) {
                receipt.put("turn", turnId);
            }
            revision++;
            outcomes.add(receipt.deepCopy());
            if (outcomes.size() > OUTCOMES) {
                outcomes.remove(0);
                truncatedBefore = revision - OUTCOMES + 1;
            }
            return receipt;
        }

        /** {@code submission_state} (S9). */
        ObjectNode submissionState() {
            ObjectNode st = obj().put("revision", revision);
            st.putArray("queued");
            st.put("queued_complete", true);
            ArrayNode list = st.putArray("outcomes");
            outcomes.forEach(list::add);
            return st.put("outcomes_truncated_before_revision", truncatedBefore);
        }

        /** Writes a session event; {@code seq} is stamped last, after the payload (§10.1). */
        void event(String type, JsonNode payload) {
            ObjectNode params = obj().put("type", type).put("session_id", sid);
            if (payload != null) {
                params.set("payload", payload);
            }
            params.put("seq", ++seq);
            if (shared() && turn != null && TURN_EVENTS.contains(type)) {
                params.set("turn", turn.json());
            }
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
            ObjectNode payload = obj().put("text", t.sent.toString()).put("status", status);
            event("message.complete", shared() ? t.inputs(payload) : payload);
            turn = null;
            history.add(new String[] {"assistant", t.sent.toString()});
            if (shared()) {
                ObjectNode info = obj().put("running", false);
                info.set("submission_state", submissionState());
                event("session.info", info);
            }
        }
    }
}
