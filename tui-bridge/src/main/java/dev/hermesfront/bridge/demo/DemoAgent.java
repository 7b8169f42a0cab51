package dev.hermesfront.bridge.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.PythonJson;
import dev.hermesfront.protocol.RequestId;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A small agent that speaks enough of the TUI wire protocol for the real Hermes TUI to attach and
 * chat (tui-wire.md §2.2, §4.3): {@code gateway.ready} first, the startup calls, sessions, and
 * {@code prompt.submit} answered with a reply {@code "Echo: <prompt>"} streamed as
 * {@code message.start}, several {@code message.delta}, {@code message.complete}, then
 * {@code session.info}. Unknown methods get {@code -32601} like the real agent.
 *
 * <p>A prompt containing {@code DEMO_SLOW} streams one word every 250 ms instead of every 15 ms, so
 * that a turn can be interrupted or a connection cut mid-reply.
 *
 * <p>Not thread-safe on its own: {@link #accept} and the scheduled turn steps run under this
 * object's monitor. Output frames are written in the agent's serialization ({@code ", "}, {@code ": "}).
 */
public final class DemoAgent {
    static final Duration WORD_INTERVAL = Duration.ofMillis(15);
    static final Duration SLOW_WORD_INTERVAL = Duration.ofMillis(250);
    private static final String MODEL = "demo-echo";
    private static final String PROVIDER = "hermes-front-demo";
    private static final String SKIN = loadSkin();

    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final ScheduledExecutorService timer;
    private final Consumer<String> out;
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    private final double startedAt = System.currentTimeMillis() / 1000.0;
    private boolean stopped;

    /**
     * Creates an agent and writes {@code gateway.ready} to {@code out} at once.
     *
     * @param timer paces streamed deltas; shared, never blocked by this class
     * @param out   receives each output frame; called while holding this agent's monitor
     */
    public DemoAgent(ObjectMapper mapper, FrameCodec codec, ScheduledExecutorService timer, Consumer<String> out) {
        this.mapper = mapper;
        this.codec = codec;
        this.timer = timer;
        this.out = out;
        synchronized (this) {
            out.accept("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": {\"skin\": "
                    + SKIN + "}}}");
        }
    }

    private static String loadSkin() {
        try (InputStream in = DemoAgent.class.getResourceAsStream("skin.json")) {
            if (in == null) {
                return "{}";
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Handles one client frame. */
    public synchronized void accept(String text) {
        if (stopped) {
            return;
        }
        Decoded d = codec.decode(text);
        if (d instanceof Decoded.Invalid inv) {
            out.accept(inv.reply());
            return;
        }
        if (!(d instanceof Decoded.Valid valid) || !valid.frame().isCall()) {
            return; // blank, or a response the demo never asked for
        }
        Frame f = valid.frame();
        JsonNode params;
        try {
            params = mapper.readTree(text).path("params");
        } catch (IOException e) {
            out.accept(ProtocolErrors.parseError());
            return;
        }
        handle(f.replyId(), f.method(), params.isObject() ? params : mapper.createObjectNode());
    }

    /** Stops all turns; later input is ignored. */
    public synchronized void stop() {
        stopped = true;
        sessions.values().forEach(s -> s.cancelTurn());
    }

    private void handle(RequestId id, String method, JsonNode p) {
        switch (method) {
            case "pet.cells", "pet.info" -> result(id, obj().put("enabled", false));
            case "config.get" -> configGet(id, p);
            case "commands.catalog" -> result(id, catalog());
            case "setup.status" -> result(id, obj().put("provider_configured", true));
            case "session.create" -> sessionCreate(id, p);
            case "session.active_list" -> activeList(id, p);
            case "session.activate" -> withSession(id, p, s -> result(id, livePayload(s)));
            case "session.resume" -> error(id, 4007, "session not found");
            case "session.close" -> {
                Session s = sessions.remove(p.path("session_id").asText(""));
                if (s != null) {
                    s.cancelTurn();
                }
                result(id, obj().put("closed", s != null));
            }
            case "session.interrupt" -> withSession(id, p, s -> {
                result(id, obj().put("status", "interrupted"));
                s.finishTurn("interrupted");
            });
            case "session.history" -> withSession(id, p, s -> result(id, obj().put("count", s.history.size())
                    .set("messages", s.history())));
            case "session.usage" -> withSession(id, p, s -> result(id, usage()));
            case "session.title" -> withSession(id, p, s -> result(id, obj().put("title", s.title).put("session_key", s.storedKey)));
            case "session.most_recent" -> result(id, obj().putNull("session_id"));
            case "session.list" -> result(id, obj().set("sessions", mapper.createArrayNode()));
            case "terminal.resize" -> withSession(id, p, s -> result(id, obj().put("cols", p.path("cols").asInt(80))));
            case "input.detect_drop" -> result(id, obj().put("matched", false));
            case "prompt.submit" -> withSession(id, p, s -> promptSubmit(id, s, p.path("text").asText("")));
            case "approval.respond" -> result(id, obj().put("resolved", 0));
            case "clarify.respond" -> error(id, 4009, "no pending answer request");
            case "complete.slash", "complete.path" -> result(id, obj().set("items", mapper.createArrayNode()));
            case "model.options" -> result(id, obj().put("model", MODEL).put("provider", PROVIDER)
                    .set("providers", mapper.createArrayNode()));
            case "delegation.status" -> result(id, obj().put("active", 0).put("paused", false));
            default -> out.accept(ProtocolErrors.methodNotFound(id, method));
        }
    }

    private void configGet(RequestId id, JsonNode p) {
        String key = p.path("key").asText("");
        switch (key) {
            case "full" -> {
                ObjectNode model = obj().put("default", MODEL).put("provider", PROVIDER);
                result(id, obj().set("config", obj().set("model", model)));
            }
            case "mtime" -> result(id, obj().put("mtime", startedAt));
            case "provider" -> result(id, obj().put("value", PROVIDER));
            default -> result(id, obj().put("value", ""));
        }
    }

    private void sessionCreate(RequestId id, JsonNode p) {
        Session s = new Session(newSid(), storedKey());
        sessions.put(s.sid, s);
        ObjectNode info = obj().put("model", MODEL);
        info.set("tools", obj());
        info.set("skills", obj());
        info.put("cwd", "").put("branch", "").put("lazy", true).put("desktop_contract", 3).put("profile_name", "default");
        ObjectNode r = obj().put("session_id", s.sid).put("stored_session_id", s.storedKey).put("message_count", 0);
        r.set("messages", mapper.createArrayNode());
        r.set("info", info);
        result(id, r);
        // The real agent builds lazily and announces the built agent with session.info.
        timer.schedule(() -> emitInfo(s), 50, TimeUnit.MILLISECONDS);
    }

    private synchronized void emitInfo(Session s) {
        if (!stopped && sessions.get(s.sid) == s) {
            event("session.info", s.sid, info(s));
        }
    }

    private void activeList(RequestId id, JsonNode p) {
        String current = p.path("current_session_id").asText("");
        ArrayNode list = mapper.createArrayNode();
        for (Session s : sessions.values()) {
            list.add(obj().put("current", s.sid.equals(current)).put("id", s.sid)
                    .put("last_active", s.lastActive).put("message_count", s.history.size()).put("model", MODEL)
                    .put("preview", s.preview).put("session_key", s.storedKey).put("started_at", s.startedAt)
                    .put("status", s.turn != null ? "working" : "idle").put("title", s.title));
        }
        result(id, obj().set("sessions", list));
    }

    private void promptSubmit(RequestId id, Session s, String text) {
        if (s.turn != null) {
            s.finishTurn("interrupted");
        }
        s.preview = text.length() > 60 ? text.substring(0, 60) : text;
        s.lastActive = System.currentTimeMillis() / 1000.0;
        s.history.add(new String[] {"user", text});
        event("message.start", s.sid, null);
        result(id, obj().put("status", "streaming"));
        s.startTurn("Echo: " + text, text.contains("DEMO_SLOW") ? SLOW_WORD_INTERVAL : WORD_INTERVAL);
    }

    private void withSession(RequestId id, JsonNode p, Consumer<Session> action) {
        Session s = sessions.get(p.path("session_id").asText(""));
        if (s == null) {
            error(id, 4001, "session not found");
        } else {
            action.accept(s);
        }
    }

    private ObjectNode livePayload(Session s) {
        ObjectNode r = obj().put("session_id", s.sid).put("session_key", s.storedKey).put("message_count", s.history.size());
        r.set("messages", s.history());
        r.set("info", info(s));
        r.put("running", s.turn != null).put("started_at", s.startedAt).put("status", s.turn != null ? "working" : "idle");
        if (s.turn != null) {
            r.set("inflight", obj().put("user", s.preview).put("assistant", s.turn.sent.toString()).put("streaming", true));
        } else {
            r.putNull("inflight");
        }
        return r;
    }

    private ObjectNode info(Session s) {
        ObjectNode i = obj().put("model", MODEL).put("provider", PROVIDER).put("reasoning_effort", "").put("service_tier", "")
                .put("fast", false).put("yolo", false).put("approval_mode", "manual");
        i.set("tools", obj());
        i.set("skills", obj());
        i.put("cwd", "").put("branch", "").put("personality", "").put("running", s.turn != null).put("title", s.title)
                .put("desktop_contract", 3).put("version", "hermes-front demo").put("release_date", "")
                .putNull("update_behind").put("update_command", "");
        i.set("usage", usage());
        i.put("profile_name", "default");
        i.set("mcp_servers", mapper.createArrayNode());
        i.put("system_prompt", "");
        return i;
    }

    private ObjectNode usage() {
        return obj().put("model", MODEL).put("input", 0).put("output", 0).put("reasoning", 0).put("prompt", 0)
                .put("completion", 0).put("total", 0).put("calls", 0);
    }

    private ObjectNode catalog() {
        ArrayNode pairs = mapper.createArrayNode();
        pairs.add(mapper.createArrayNode().add("/help").add("Show available commands"));
        pairs.add(mapper.createArrayNode().add("/new").add("Start a new session"));
        pairs.add(mapper.createArrayNode().add("/quit").add("Exit the CLI"));
        ObjectNode canon = obj().put("/help", "/help").put("/new", "/new").put("/quit", "/quit");
        ArrayNode categories = mapper.createArrayNode();
        categories.add(obj().put("name", "Session").set("pairs", pairs.deepCopy()));
        ObjectNode r = obj();
        r.set("pairs", pairs);
        r.set("sub", obj());
        r.set("canon", canon);
        r.set("categories", categories);
        r.put("skill_count", 0).put("warning", "");
        return r;
    }

    private ObjectNode obj() {
        return mapper.createObjectNode();
    }

    private void result(RequestId id, JsonNode result) {
        out.accept("{\"jsonrpc\": \"2.0\", \"id\": " + id.json() + ", \"result\": " + PythonJson.write(result) + "}");
    }

    private void error(RequestId id, int code, String message) {
        out.accept(ProtocolErrors.handlerError(id, code, message));
    }

    private void event(String type, String sid, JsonNode payload) {
        StringBuilder b = new StringBuilder(128);
        b.append("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": ");
        dev.hermesfront.protocol.JsonText.quoteInto(b, type);
        b.append(", \"session_id\": ");
        dev.hermesfront.protocol.JsonText.quoteInto(b, sid);
        if (payload != null) {
            b.append(", \"payload\": ").append(PythonJson.write(payload));
        }
        out.accept(b.append("}}").toString());
    }

    private static String newSid() {
        return String.format("%08x", ThreadLocalRandom.current().nextInt());
    }

    private static String storedKey() {
        java.time.LocalDateTime now = java.time.LocalDateTime.now();
        return String.format("%04d%02d%02d_%02d%02d%02d_%06x", now.getYear(), now.getMonthValue(), now.getDayOfMonth(),
                now.getHour(), now.getMinute(), now.getSecond(), ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /** One demo session and its running turn, if any. Guarded by the agent's monitor. */
    private final class Session {
        final String sid;
        final String storedKey;
        final double startedAt = System.currentTimeMillis() / 1000.0;
        final List<String[]> history = new ArrayList<>();
        double lastActive = startedAt;
        String preview = "";
        String title = "";
        Turn turn;

        Session(String sid, String storedKey) {
            this.sid = sid;
            this.storedKey = storedKey;
        }

        ArrayNode history() {
            ArrayNode a = mapper.createArrayNode();
            history.forEach(h -> a.add(obj().put("role", h[0]).put("text", h[1])));
            return a;
        }

        void startTurn(String reply, Duration interval) {
            Turn t = new Turn(reply);
            turn = t;
            t.next = timer.scheduleAtFixedRate(() -> step(t), interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void step(Turn t) {
            synchronized (DemoAgent.this) {
                if (stopped || turn != t) {
                    t.next.cancel(false);
                    return;
                }
                if (t.words.isEmpty()) {
                    finishTurn("complete");
                    return;
                }
                String w = t.words.remove(0);
                t.sent.append(w);
                event("message.delta", sid, obj().put("text", w));
            }
        }

        void finishTurn(String status) {
            Turn t = turn;
            if (t == null) {
                return;
            }
            turn = null;
            t.next.cancel(false);
            history.add(new String[] {"assistant", t.sent.toString()});
            ObjectNode payload = obj().put("text", t.sent.toString());
            payload.set("usage", usage());
            payload.put("status", status);
            event("message.complete", sid, payload);
            event("session.info", sid, info(this));
        }

        void cancelTurn() {
            if (turn != null) {
                turn.next.cancel(false);
                turn = null;
            }
        }
    }

    /** The words of one reply still to be streamed, and what was streamed so far. */
    private static final class Turn {
        final List<String> words = new ArrayList<>();
        final StringBuilder sent = new StringBuilder();
        ScheduledFuture<?> next;

        Turn(String reply) {
            // Split after each space so that the deltas concatenate back to the exact reply.
            int start = 0;
            for (int i = 0; i < reply.length(); i++) {
                if (reply.charAt(i) == ' ' && i + 1 < reply.length()) {
                    words.add(reply.substring(start, i + 1));
                    start = i + 1;
                }
            }
            if (start < reply.length()) {
                words.add(reply.substring(start));
            }
        }
    }
}
