package dev.hermesfront.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.PythonJson;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.Direction;
import dev.hermesfront.protocol.transcript.TranscriptEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Matches the frames received on one connection against the server frames recorded for it, and collects
 * the {@link Difference}s.
 *
 * <p>Ordering (tui-wire.md §5.1, §5.3). In exact mode every frame must come in recorded order. Otherwise
 * frames are split into streams whose order is guaranteed: one per response id, one per session for events
 * (keyed by the recorded session id, through the captures), one for events without a session. Streams may
 * interleave freely, so events may come before the response of the request that caused them and pool
 * responses may overtake others; but a response must not come before the response to an inline request
 * (a method not in {@code poolMethods}) that was sent earlier, because the agent reads the next frame of a
 * connection only once an inline handler has answered.
 *
 * <p>A received frame is taken, in this order, by: the next recorded frame of its stream if it matches
 * fully; a frame it had overtaken (out of order); a later frame of the stream that matches fully (the ones
 * skipped may still come, else they are missing); else the closest candidate, with its differences. Not
 * thread-safe: one runner thread owns it.
 */
final class ConnectionMatcher {
    private static final int LOOKAHEAD = 64;

    private final String conn;
    private final boolean exact;
    private final Captures captures;
    private final FrameComparer comparer;
    private final FrameCodec codec;
    private final ObjectMapper mapper;
    private final List<ExpectedFrame> expected = new ArrayList<>();
    private final Map<String, List<ExpectedFrame>> streams = new LinkedHashMap<>();
    private final List<Difference> differences = new ArrayList<>();
    /** Responses that arrived while an earlier inline request was unanswered: [arrived, still pending]. */
    private final List<ExpectedFrame[]> orderSuspects = new ArrayList<>();
    private final List<Unexpected> unexpected = new ArrayList<>();
    /** The recorded requests of the connection: id as JSON text → transcript line. */
    private final Map<String, Integer> requestLines = new LinkedHashMap<>();
    private final FileRules rules;
    private final JsonRpcCheck jsonRpc;
    /** Recorded server frames that are not JSON-RPC 2.0 (reported once, as the recording's). */
    private final Set<String> recordedViolations = new HashSet<>();
    /** What the rules tolerated on this connection, named (type {@link Difference.Type#TOLERATED}). */
    private final List<Difference> tolerated = new ArrayList<>();
    /** The rules that passed a value differing from the recording, by name. */
    private final Set<String> applied = new LinkedHashSet<>();
    private int received;

    ConnectionMatcher(String conn, List<TranscriptEntry> entries, FileRules rules, Captures captures, boolean exact,
                      FrameCodec codec, ObjectMapper mapper) {
        this.conn = conn;
        this.exact = exact;
        this.captures = captures;
        this.comparer = new FrameComparer(rules);
        this.codec = codec;
        this.mapper = mapper;
        this.rules = rules;
        this.jsonRpc = new JsonRpcCheck();
        build(entries, rules);
    }

    /** A client frame that expects an answer. */
    private record Awaiting(int index, String replyId, String method) {}

    private void build(List<TranscriptEntry> entries, FileRules rules) {
        List<Awaiting> awaiting = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            TranscriptEntry e = entries.get(i);
            if (e.dir() == Direction.C2S) {
                if (e.binary()) {
                    continue;
                }
                Decoded d = codec.decode(e.text());
                if (d instanceof Decoded.Valid v && v.frame().isCall()) {
                    JsonNode tree = parse(e.text());
                    String replyId = tree != null ? idJson(tree) : v.frame().replyId().json();
                    awaiting.add(new Awaiting(i, replyId, v.frame().method()));
                    requestLines.putIfAbsent(replyId, e.line());
                } else if (d instanceof Decoded.Invalid inv) {
                    awaiting.add(new Awaiting(i, idJson(parse(inv.reply())), null));
                }
                continue;
            }
            JsonNode tree = e.json() ? parse(e.text()) : null;
            if (!e.binary() && recordedViolations.add(e.text())) {
                Optional<String> bad = jsonRpc.violation(e.text());
                if (bad.isPresent()) {
                    differences.add(new Difference(Difference.Type.JSONRPC, conn, e.line(), "recorded server frame", "", "",
                            FrameComparer.shown(e.text()), "the recording itself is not JSON-RPC 2.0 (JSON-RPC 2.0 Base): "
                                    + bad.get()));
                } else {
                    recordedViolations.remove(e.text());
                }
            }
            Frame f = frameOf(e.text());
            FrameKind kind = f == null ? null : f.kind();
            String id = null;
            String method = f == null ? null : f.method();
            int requestIndex = -1;
            boolean inline = false;
            String sid = "";
            String stream;
            if (kind == FrameKind.RESPONSE || kind == FrameKind.ERROR) {
                id = idJson(tree);
                for (int k = 0; k < awaiting.size(); k++) {
                    if (awaiting.get(k).replyId().equals(id)) {
                        Awaiting a = awaiting.remove(k);
                        requestIndex = a.index();
                        method = a.method();
                        inline = !rules.pool(a.method());
                        break;
                    }
                }
                stream = "id:" + id;
            } else if (kind == FrameKind.EVENT || sessionRequest(f)) {
                // Server→client requests of a session (current wire) keep their place among its events.
                sid = f.sessionId() == null ? "" : f.sessionId();
                stream = "event:" + sid;
            } else {
                stream = "other";
            }
            FrameInfo info = new FrameInfo(kind, method, f == null ? null : f.eventType());
            FileRules.OptionalFrame loose = exact ? null : rules.tolerated(info);
            String rule = loose != null ? "tolerated" : "optional";
            if (loose == null && !exact) {
                loose = rules.optionalRule(info);
            }
            ExpectedFrame x = new ExpectedFrame(i, e, tree, info, id, sid, requestIndex, inline, exact ? "all" : stream,
                    loose != null);
            if (loose != null) {
                x.looseBy = "rule " + rule + " " + loose.selector() + (loose.why().isEmpty() ? "" : ": " + loose.why());
            }
            expected.add(x);
            streams.computeIfAbsent(x.stream, k -> new ArrayList<>()).add(x);
        }
    }

    /** Takes one received frame. */
    void receive(String text) {
        received++;
        JsonNode tree = parse(text);
        Frame f = frameOf(text);
        if (!recordedViolations.contains(text)) {
            jsonRpc.violation(text).ifPresent(bad -> differences.add(new Difference(Difference.Type.JSONRPC, conn, 0,
                    f == null ? "received frame" : ExpectedFrame.describe(infoOf(f), idJson(tree), f.sessionId()), "", "",
                    FrameComparer.shown(text), "not JSON-RPC 2.0 (JSON-RPC 2.0 Base): " + bad)));
        }
        List<ExpectedFrame> stream = streams.getOrDefault(streamOf(f, tree), List.of());
        List<ExpectedFrame> pending = new ArrayList<>();
        List<ExpectedFrame> overtaken = new ArrayList<>();
        for (ExpectedFrame x : stream) {
            if (!x.matched) {
                (x.overtaken ? overtaken : pending).add(x);
            }
        }
        if (!pending.isEmpty() && takeIfFull(pending.get(0), text, tree)) {
            return;
        }
        for (ExpectedFrame o : overtaken) {
            if (takeIfFull(o, text, tree)) {
                ExpectedFrame later = firstMatchedAfter(o);
                differences.add(new Difference(Difference.Type.ORDER, conn, o.line(), o.describe(), "", "", "",
                        "arrived after " + (later == null ? "frames recorded after it"
                                : "line " + later.line() + " (" + later.describe() + ")") + " although recorded before it; "
                                + (exact ? "exact mode keeps the recorded order"
                                        : "frames of one stream keep their order (tui-wire.md §5.1)")));
                return;
            }
        }
        for (int j = 1; j < Math.min(LOOKAHEAD, pending.size()); j++) {
            if (takeIfFull(pending.get(j), text, tree)) {
                for (int k = 0; k < j; k++) {
                    pending.get(k).overtaken = true;
                }
                return;
            }
        }
        ExpectedFrame candidate = sameIdentity(pending, f, tree);
        boolean orphan = false;
        if (candidate == null && f != null && (f.kind() == FrameKind.RESPONSE || f.kind() == FrameKind.ERROR)) {
            candidate = sameIdOtherType(idJson(tree));
            if (candidate == null && stream.isEmpty()) {
                candidate = orphanResponse();
                orphan = candidate != null;
            }
        }
        FileRules.OptionalFrame loose = candidate != null || exact || f == null ? null : rules.tolerated(infoOf(f));
        if (loose != null) {
            tolerated.add(new Difference(Difference.Type.TOLERATED, conn, 0,
                    ExpectedFrame.describe(infoOf(f), idJson(tree), f.sessionId()), "", "", FrameComparer.shown(text),
                    "arrived, not in the recording (rule tolerated " + loose.selector()
                            + (loose.why().isEmpty() ? "" : ": " + loose.why()) + ")"));
            applied.add("tolerated " + loose.selector());
            return;
        }
        if (candidate == null) {
            Difference d = new Difference(Difference.Type.UNEXPECTED, conn, 0,
                    f == null ? "not JSON-RPC" : ExpectedFrame.describe(infoOf(f), idJson(tree), f.sessionId()),
                    "", "", FrameComparer.shown(text), "received, but nothing like it is recorded here"
                            + (pending.isEmpty() && !stream.isEmpty() ? " (every recorded frame of its stream already arrived)" : ""));
            differences.add(d);
            unexpected.add(new Unexpected(d, text, tree, List.copyOf(pending.subList(0, Math.min(LOOKAHEAD, pending.size())))));
            return;
        }
        for (ExpectedFrame skipped : pending) {
            if (skipped == candidate) {
                break;
            }
            skipped.overtaken = true;
        }
        Captures.Tx tx = captures.begin();
        List<Mismatch> mismatches = compare(candidate, text, tree, tx);
        tx.commit();
        if (orphan) {
            mismatches = explainOrphan(candidate, idJson(tree), mismatches);
        }
        take(candidate, mismatches);
    }

    /** Returns true for a server→client request that names a session (current wire, tui-wire-current.md §5). */
    private static boolean sessionRequest(Frame f) {
        return f != null && f.kind() == FrameKind.REQUEST && f.sessionId() != null && !f.sessionId().isEmpty();
    }

    /**
     * A recorded response whose id answers no request of the recording (a recording whose response id is {@code 3}
     * for the request {@code "k3"}): it stands for a received response whose id nothing recorded has, so that the
     * difference is named at once instead of waited for.
     */
    private ExpectedFrame orphanResponse() {
        for (ExpectedFrame x : expected) {
            if (!x.matched && x.isResponse() && x.requestIndex < 0 && !x.idJson.equals("null")) {
                return x;
            }
        }
        return null;
    }

    /** Says, on the {@code id} difference of an orphan response, which recorded request the received answer is for. */
    private List<Mismatch> explainOrphan(ExpectedFrame x, String receivedId, List<Mismatch> mismatches) {
        Integer line = requestLines.get(receivedId);
        String why = "no recorded request has the id " + x.idJson + (line == null ? ""
                : "; the request with the id " + receivedId + " was sent at line " + line);
        List<Mismatch> out = new ArrayList<>();
        boolean named = false;
        for (Mismatch m : mismatches) {
            if (m.path().equals("id")) {
                out.add(new Mismatch(m.path(), m.expected(), m.actual(), m.reason() + ": " + why));
                named = true;
            } else {
                out.add(m);
            }
        }
        if (!named) {
            out.add(0, new Mismatch("id", x.idJson, receivedId, why));
        }
        return out;
    }

    /**
     * A received frame that matched nothing, and the recorded frames that were next in its stream then. If one
     * of those never arrives, the closest of them and the received frame are reported as one changed frame (a
     * renamed event type), else the received frame was an extra one.
     */
    private record Unexpected(Difference difference, String text, JsonNode tree, List<ExpectedFrame> next) {}

    /** Returns the stream a received frame belongs to. */
    private String streamOf(Frame f, JsonNode tree) {
        if (exact) {
            return "all";
        }
        if (f == null) {
            return "other";
        }
        if (f.kind() == FrameKind.RESPONSE || f.kind() == FrameKind.ERROR) {
            return "id:" + idJson(tree);
        }
        if (f.kind() != FrameKind.EVENT && !sessionRequest(f)) {
            return "other";
        }
        String sid = f.sessionId() == null ? "" : f.sessionId();
        if (sid.isEmpty()) {
            return "event:";
        }
        String recorded = captures.expectedFor(sid);
        if (recorded != null) {
            return "event:" + recorded;
        }
        if (streams.containsKey("event:" + sid) && !captures.bound(sid)) {
            return "event:" + sid;
        }
        // A session id seen for the first time: the stream of a recorded session not captured yet whose next
        // event has the same type.
        String fallback = null;
        for (Map.Entry<String, List<ExpectedFrame>> s : streams.entrySet()) {
            String key = s.getKey();
            if (!key.startsWith("event:") || key.equals("event:") || captures.bound(key.substring(6))) {
                continue;
            }
            ExpectedFrame next = s.getValue().stream().filter(x -> !x.matched).findFirst().orElse(null);
            if (next != null && next.info.eventType() != null && next.info.eventType().equals(f.eventType())) {
                return key;
            }
            if (next != null && fallback == null) {
                fallback = key;
            }
        }
        if (fallback != null) {
            return fallback;
        }
        // Every recorded session is captured already: the stream whose next event has the same type, so that the
        // comparison names the session id that changed.
        for (Map.Entry<String, List<ExpectedFrame>> s : streams.entrySet()) {
            String key = s.getKey();
            if (!key.startsWith("event:") || key.equals("event:")) {
                continue;
            }
            ExpectedFrame next = s.getValue().stream().filter(x -> !x.matched).findFirst().orElse(null);
            if (next != null && next.info.eventType() != null && next.info.eventType().equals(f.eventType())) {
                return key;
            }
        }
        return "event:" + sid;
    }

    private boolean takeIfFull(ExpectedFrame x, String text, JsonNode tree) {
        Captures.Tx tx = captures.begin();
        if (!compare(x, text, tree, tx).isEmpty()) {
            return false;
        }
        tx.commit();
        take(x, List.of());
        return true;
    }

    private List<Mismatch> compare(ExpectedFrame x, String text, JsonNode tree, Captures.Tx tx) {
        if (exact || x.tree == null || tree == null) {
            return FrameComparer.compareExact(x.info, x.entry.text(), x.tree, text, tree);
        }
        return comparer.compare(x.info, x.tree, tree, tx, "line " + x.line());
    }

    /**
     * Picks the recorded frame a non-matching one stands for: the first pending one (within the look-ahead) with
     * the same identity, i.e. the same event type, the same response id (result or error), or the same kind for
     * anything else.
     */
    private static ExpectedFrame sameIdentity(List<ExpectedFrame> pending, Frame f, JsonNode tree) {
        if (f == null) {
            return null;
        }
        for (int j = 0; j < Math.min(LOOKAHEAD, pending.size()); j++) {
            ExpectedFrame x = pending.get(j);
            // A result that came back as an error (or the reverse) is still the answer to the same request.
            boolean bothAnswers = x.isResponse() && (f.kind() == FrameKind.RESPONSE || f.kind() == FrameKind.ERROR);
            if (x.info.kind() != f.kind() && !bothAnswers) {
                continue;
            }
            boolean same = switch (f.kind()) {
                case EVENT -> String.valueOf(f.eventType()).equals(x.info.eventType());
                case RESPONSE, ERROR -> idJson(tree).equals(x.idJson);
                default -> true;
            };
            if (same) {
                return x;
            }
        }
        return null;
    }

    /** A response whose id differs only in type ({@code 5} and {@code "5"}) from the received one. */
    private ExpectedFrame sameIdOtherType(String idJson) {
        String loose = unquote(idJson);
        for (ExpectedFrame x : expected) {
            if (!x.matched && x.isResponse() && !x.idJson.equals(idJson) && unquote(x.idJson).equals(loose)) {
                return x;
            }
        }
        return null;
    }

    private static String unquote(String json) {
        return json.length() >= 2 && json.startsWith("\"") && json.endsWith("\"") ? json.substring(1, json.length() - 1) : json;
    }

    private void take(ExpectedFrame x, List<Mismatch> mismatches) {
        x.matched = true;
        x.overtaken = false;
        if (!exact) {
            for (Mismatch m : comparer.lastTolerated()) {
                tolerated.add(new Difference(Difference.Type.TOLERATED, conn, x.line(), x.describe(), m.path(), m.expected(),
                        m.actual(), m.reason()));
            }
            applied.addAll(comparer.lastApplied());
        }
        for (Mismatch m : mismatches) {
            differences.add(new Difference(Difference.Type.CONTENT, conn, x.line(), x.describe(), m.path(), m.expected(),
                    m.actual(), m.reason()));
        }
        if (x.gaveUpAtLine > 0) {
            differences.add(new Difference(Difference.Type.LATE, conn, x.line(), x.describe(), "", "", "",
                    "arrived only after the client had waited " + x.gaveUpAfterMillis + " ms for it and sent line "
                            + x.gaveUpAtLine + " without it"));
        }
        if (exact || !x.isResponse()) {
            return;
        }
        for (ExpectedFrame[] s : orderSuspects) {
            if (s[1] == x) {
                differences.add(new Difference(Difference.Type.ORDER, conn, s[0].line(), s[0].describe(), "", "", "",
                        "arrived before line " + x.line() + " (" + x.describe() + "), the answer to an inline request sent "
                                + "earlier; the agent answers requests not in poolMethods in the order they were sent "
                                + "(tui-wire.md §5.3)"));
            }
        }
        orderSuspects.removeIf(s -> s[1] == x);
        if (x.requestIndex < 0) {
            return;
        }
        for (ExpectedFrame y : expected) {
            if (!y.matched && y.isResponse() && y.inline && y.requestIndex >= 0 && y.requestIndex < x.requestIndex) {
                orderSuspects.add(new ExpectedFrame[] {x, y});
            }
        }
    }

    private ExpectedFrame firstMatchedAfter(ExpectedFrame o) {
        for (ExpectedFrame x : streams.get(o.stream)) {
            if (x.index > o.index && x.matched) {
                return x;
            }
        }
        return null;
    }

    /** Returns the required recorded frames before connection entry {@code index} that have not arrived nor been given up on. */
    List<ExpectedFrame> awaitedBefore(int index) {
        return awaitedBefore(index, false);
    }

    /** Returns the recorded frames before connection entry {@code index} that have not arrived, optional ones too if asked. */
    List<ExpectedFrame> awaitedBefore(int index, boolean withOptional) {
        List<ExpectedFrame> out = new ArrayList<>();
        for (ExpectedFrame x : expected) {
            // A frame the client gave up on once is not waited for again: it is missing or late already.
            if (x.index < index && !x.matched && x.gaveUpAtLine == 0 && (withOptional || !x.optional)) {
                out.add(x);
            }
        }
        return out;
    }

    /** Notes that the client sent line {@code line} without these frames, after waiting {@code millis}. */
    void gaveUp(List<ExpectedFrame> frames, int line, long millis) {
        for (ExpectedFrame x : frames) {
            if (x.gaveUpAtLine == 0) {
                x.gaveUpAtLine = line;
                x.gaveUpAfterMillis = millis;
            }
        }
    }

    /** Returns true when every required recorded server frame has arrived. */
    boolean complete() {
        return expected.stream().allMatch(x -> x.matched || x.optional);
    }

    /** Returns true when every recorded server frame has arrived, optional ones included. */
    boolean completeWithOptional() {
        return expected.stream().allMatch(x -> x.matched);
    }

    /** Adds a difference found by the runner (close codes). */
    void add(Difference d) {
        differences.add(d);
    }

    /** Reports every recorded frame that never arrived, and returns all differences. */
    List<Difference> finish() {
        for (Unexpected u : unexpected) {
            ExpectedFrame x = null;
            List<Mismatch> closest = null;
            for (ExpectedFrame candidate : u.next()) {
                if (candidate.matched) {
                    continue;
                }
                List<Mismatch> m = compare(candidate, u.text(), u.tree(), captures.begin());
                if (closest == null || m.size() < closest.size()) {
                    x = candidate;
                    closest = m;
                }
            }
            if (x == null) {
                continue;
            }
            // A recorded frame never came and this one came in its place: one changed frame, not two differences.
            int at = differences.indexOf(u.difference());
            differences.remove(at);
            x.matched = true;
            for (Mismatch m : closest) {
                differences.add(at++, new Difference(Difference.Type.CONTENT, conn, x.line(), x.describe(), m.path(),
                        m.expected(), m.actual(), m.reason()));
            }
        }
        for (ExpectedFrame x : expected) {
            if (!x.matched && x.optional) {
                tolerated.add(new Difference(Difference.Type.TOLERATED, conn, x.line(), x.describe(), "", "", "",
                        "recorded, did not arrive (" + x.looseBy + ")"));
                applied.add(x.looseBy.replaceFirst("^rule ", "").replaceFirst(":.*", ""));
            }
            if (x.matched || x.optional) {
                continue;
            }
            String detail = "never arrived";
            if (x.gaveUpAtLine > 0) {
                detail += " (the client waited " + x.gaveUpAfterMillis + " ms for it, then sent line " + x.gaveUpAtLine + ")";
            }
            if (x.overtaken) {
                detail += "; frames recorded after it in the same stream did arrive";
            }
            differences.add(new Difference(Difference.Type.MISSING, conn, x.line(), x.describe(), "",
                    FrameComparer.shown(x.entry.text()), "", detail));
        }
        return List.copyOf(differences);
    }

    /** Returns what the rules tolerated on this connection, each named; call after {@link #finish}. */
    List<Difference> tolerated() {
        return List.copyOf(tolerated);
    }

    /** Returns the names of the rules that passed a value or a frame that differs from the recording. */
    Set<String> applied() {
        return Set.copyOf(applied);
    }

    int expectedCount() {
        return expected.size();
    }

    int receivedCount() {
        return received;
    }

    private FrameInfo infoOf(Frame f) {
        return new FrameInfo(f.kind(), f.method(), f.eventType());
    }

    private Frame frameOf(String text) {
        return codec.decode(text) instanceof Decoded.Valid v ? v.frame() : null;
    }

    private JsonNode parse(String text) {
        try {
            JsonNode n = mapper.readTree(text);
            return n == null || n.isMissingNode() ? null : n;
        } catch (IOException e) {
            return null;
        }
    }

    /** Returns a frame's id as agent-style JSON text, {@code null} when null or absent. */
    static String idJson(JsonNode tree) {
        return tree != null && tree.has("id") ? PythonJson.write(tree.get("id")) : "null";
    }
}
