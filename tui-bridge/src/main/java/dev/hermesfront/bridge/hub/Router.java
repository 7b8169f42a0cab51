package dev.hermesfront.bridge.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.park.ParkBuffer;
import dev.hermesfront.protocol.ErrorCodes;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameHead;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.JsonText;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.RequestId;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The multi-client router of one agent ({@link AgentHub}'s second part, beside the pipe and the {@link Membership}):
 * which member a frame belongs to, and what the front does to it on the way. Agent → clients: answers to the call
 * they answer (the client's id back, session learning, per-member filters of stored sessions and open requests),
 * events by session, server→client requests to one participant ({@link ServerRequests}), fork-wire questions
 * ({@link ForkQuestions}). Clients → agent: the rules for answers to server requests, stored-session policy, the
 * resume rewrite, delivery without doubles ({@link SubmissionLedger}) and the id table ({@link IdMux}, shared with the
 * pipe, whose fast path registers and takes calls itself).
 *
 * <p>Not thread-safe and holds no lock of its own: every method is called with the hub's monitor held (pipe, router
 * and membership share that one lock, so there is no lock order between them). {@link #routed} counts the frames
 * that entered the router, both ways (what the pipe's fast path keeps out: tests and benchmarks read it).
 */
final class Router {
    private static final System.Logger LOG = System.getLogger(Router.class.getName());
    static final Set<String> SESSION_METHODS = Set.of("session.create", "session.resume", "session.activate", "session.branch");
    private static final int MAX_SUBMITTERS = 4096;

    private final AgentHub hub;
    private final Membership members;
    private final IdMux ids;
    private final AgentRegistry registry;
    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final ResumeTranslator resumes;
    private final ServerRequests requests = new ServerRequests();
    private final ForkQuestions forkQuestions = new ForkQuestions();
    private final SessionBook sessions = new SessionBook();
    private final SubmissionLedger submissions;
    private final Map<String, Member> submitters = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Member> eldest) {
            return size() > MAX_SUBMITTERS;
        }
    };
    /** What the client is told when {@link #fromClient} sends nothing. */
    Member.Sent verdict;
    /** Whether the text {@link #fromClient} returned carries a secret (an answer to sudo, secret, vault …). */
    boolean secret;
    private long routed;

    Router(AgentHub hub, Membership members, IdMux ids, AgentRegistry registry, ObjectMapper mapper, FrameCodec codec, Duration window) {
        this.hub = hub;
        this.members = members;
        this.ids = ids;
        this.registry = registry;
        this.mapper = mapper;
        this.codec = codec;
        this.resumes = new ResumeTranslator(mapper);
        this.submissions = new SubmissionLedger(mapper, codec, window, System::nanoTime);
    }

    /** Returns how many frames entered the router (both ways) so far. */
    long routed() {
        return routed;
    }

    /** Returns true when no server→client request is open: the pipe's fast path may skip the router. */
    boolean idle() {
        return requests.isEmpty();
    }

    /**
     * The calls whose client frame needs the router even from a client that is alone: answers by method to a server
     * request ({@link #SETTLING}, the fork wire's {@link ForkQuestions#ANSWERS}), what teaches the router about its
     * client ({@code client.capabilities}, {@code prompt.submit}), stored-session policy ({@link #BY_STORED_ID}, with
     * {@code session.resume}, which a joined client's may become {@code session.activate}) and submissions
     * ({@link SubmissionLedger#METHODS}). Any other call goes from the pipe to the link with only its id registered.
     */
    static boolean routedCall(String method) {
        return method == null || SETTLING.contains(method) || ForkQuestions.ANSWERS.contains(method) || BY_STORED_ID.contains(method)
                || SubmissionLedger.METHODS.contains(method) || "client.capabilities".equals(method) || "prompt.submit".equals(method);
    }

    // ---- membership changes --------------------------------------------------------------------------------

    /** {@code m} took the parked seat over: its requests not in the buffer it drained are offered again, then the held ones. */
    void cameBack(Member m) {
        for (ServerRequests.Open o : requests.of(m)) {
            if (!o.buffered) {
                offer(o, m);
            }
            o.buffered = false;
        }
        offerHeld(m);
    }

    /** {@code m} was parked: its open requests wait (those whose frame is in {@code buffer} arrive with it on re-attach). */
    void parkedFor(Member m, ParkBuffer buffer, List<WireFrame> inBuffer) {
        for (ServerRequests.Open o : requests.of(m)) {
            o.buffered = buffer.holds(o.frame) || inBuffer.stream().anyMatch(x -> x == o.frame);
            registry.waiting(hub, o.key, o.method, o.sessionId, false);
        }
    }

    /** {@code m} left for good: the answers to its calls will be dropped. */
    void forget(Member m) {
        ids.forget(m);
        submissions.forget(m);
    }

    /** {@code m} left for good (and is no longer a member): a participant's open requests go to another participant. */
    void left(Member m) {
        if (m.role.participates()) {
            for (ServerRequests.Open o : requests.of(m)) {
                offer(o, target(o.sessionId));
            }
        }
    }

    /** The agent was stopped: its open requests are settled. */
    void endAll() {
        for (String key : requests.keys()) {
            registry.settled(hub, key);
        }
    }

    /** Returns what {@code GET /front/agents} shows of the agent's sessions. */
    List<AgentHub.Snapshot.Session> snapshot() {
        List<AgentHub.Snapshot.Session> ss = new ArrayList<>();
        for (String live : sessions.live()) {
            ss.add(new AgentHub.Snapshot.Session(live, sessions.storedOf(live)));
        }
        return ss;
    }

    // ---- agent -> clients ----------------------------------------------------------------------------------

    /** Routes one agent frame (not the ready frame) to the members it belongs to. */
    boolean route(WireFrame frame) {
        routed++;
        FrameHead h = frame.head();
        if (h.shape() == FrameHead.Shape.EVENT) {
            return routeEvent(frame, h.eventType(), h.sessionId());
        }
        if (h.shape() == FrameHead.Shape.ID_FIRST && !(hub.v1 && "method".equals(h.next()))) {
            String idText = h.idText(frame.asciiView());
            if (idText.indexOf('\\') < 0) {
                return response(frame, idText, h.idStart(), h.idEnd(), true);
            }
        }
        Decoded d = codec.decode(frame.text());
        if (!(d instanceof Decoded.Valid valid)) {
            return deliverParticipants(frame); // a non-JSON line on the agent's stdout (tui-wire.md §8.12)
        }
        Frame f = valid.frame();
        if (f.kind() == FrameKind.EVENT) {
            return routeEvent(frame, f.eventType(), f.sessionId());
        }
        if (f.id() == null) {
            return deliverAll(frame);
        }
        if (f.kind() == FrameKind.REQUEST && hub.v1 && f.id() instanceof RequestId.StringId) {
            serverRequest(frame, f);
            return true;
        }
        return response(frame, f.id().json(), f.idStart(), f.idEnd(), false);
    }

    /**
     * Delivers the agent's answer to the call it answers, with the caller's own id back: spliced into the bytes
     * at {@code [idStart, idEnd)} ({@code byteOffsets}, from the frame's head) or into its text (from the codec).
     */
    private boolean response(WireFrame frame, String key, int idStart, int idEnd, boolean byteOffsets) {
        return toCaller(frame, key, ids.take(key), idStart, idEnd, byteOffsets);
    }

    /**
     * Returns true when the answer to call {@code p} (taken from the id table; null: a call nobody here made) needs
     * nothing of the router: no submission is remembered, and the call is none whose answer teaches a session, is
     * filtered for its member ({@link #LISTING}, {@link #NESTED_LISTING}, a viewer's {@link #STRIPPED_FOR_VIEWERS}) or
     * is followed by a viewer's welcome. The pipe then hands it to the caller itself, its id spliced back if renumbered.
     */
    boolean plain(IdMux.Pending p) {
        if (!submissions.isEmpty()) {
            return false;
        }
        if (p == null || p.member == null) {
            return true;
        }
        Member m = p.member;
        String method = p.method;
        return method != null && m.role != Role.VIEWER && m.welcome == null && !SESSION_METHODS.contains(method)
                && !((LISTING.contains(method) || NESTED_LISTING.contains(method)) && (registry.storedSessions().enabled() || m.shareId != null));
    }

    /** {@link #response} for an answer whose call the pipe already took from the id table ({@code p}, or null). */
    boolean answer(WireFrame frame, String key, IdMux.Pending p, int idStart, int idEnd, boolean byteOffsets) {
        routed++;
        return toCaller(frame, key, p, idStart, idEnd, byteOffsets);
    }

    private boolean toCaller(WireFrame frame, String key, IdMux.Pending p, int idStart, int idEnd, boolean byteOffsets) {
        if (!submissions.isEmpty()) {
            // Members that repeated this submission meanwhile get the same answer, each with its own id.
            submissions.answered(key, frame.text()).forEach(x -> deliver(x.member(), x.frame()));
        }
        if (p == null) {
            return deliverParticipants(frame); // an answer to nothing we saw (an id-less call's null, a stale id)
        }
        Member m = p.member;
        if (m == null || m.left) {
            return true; // its client left
        }
        if (SESSION_METHODS.contains(p.method)) {
            learnSession(m, frame);
        }
        WireFrame out = p.original == null || idStart < 0 ? frame : byteOffsets ? frame.splice(idStart, idEnd, p.original)
                : WireFrame.of(frame.text().substring(0, idStart) + p.original + frame.text().substring(idEnd));
        if (m.role == Role.VIEWER && STRIPPED_FOR_VIEWERS.contains(p.method)) {
            out = withoutOpenRequests(out);
        }
        if (LISTING.contains(p.method) && (registry.storedSessions().enabled() || m.shareId != null)) {
            out = onlyVisible(m, p.method, out);
        } else if (NESTED_LISTING.contains(p.method) && (registry.storedSessions().enabled() || m.shareId != null)) {
            out = onlyVisibleNested(m, out);
        }
        boolean ok = deliver(m, out);
        if (m.welcome != null && SESSION_METHODS.contains(p.method)) {
            deliver(m, m.welcome);
            m.welcome = null;
        }
        return ok;
    }

    /** The answers that carry the agent's open requests ({@code open_requests}, {@code pending_approval}, the pending list). */
    static final Set<String> STRIPPED_FOR_VIEWERS = Set.of("session.activate", "session.resume", "session.events.since", "approval.pending");

    /**
     * Returns an answer without the open requests it carries: a viewer never receives the agent's questions (their
     * ids, commands or prompts), not even inside a session's snapshot (docs/sharing.md). {@code open_requests} becomes
     * empty, {@code pending_approval} goes; an {@code approval.pending} answer keeps its shape with every list empty.
     */
    private WireFrame withoutOpenRequests(WireFrame frame) {
        try {
            JsonNode root = mapper.readTree(frame.text());
            if (!(root.path("result") instanceof com.fasterxml.jackson.databind.node.ObjectNode r)) {
                return frame;
            }
            if (r.has("open_requests")) {
                r.putArray("open_requests");
            }
            r.remove("pending_approval");
            if (r.has("inflight") && r.get("inflight").isObject()) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) r.get("inflight")).remove("pending_approval");
            }
            List<String> lists = new ArrayList<>();
            r.fieldNames().forEachRemaining(lists::add);
            if (!r.has("session_id")) {
                // approval.pending: whatever lists it returns are the pending approvals.
                for (String k : lists) {
                    if (r.get(k).isArray()) {
                        r.putArray(k);
                    }
                }
            }
            return WireFrame.of(dev.hermesfront.protocol.PythonJson.write(root));
        } catch (IOException e) {
            return frame;
        }
    }

    /** The calls whose answers list stored sessions: filtered per member ({@link StoredSessions}). */
    static final Set<String> LISTING = Set.of("session.list", "session.most_recent");
    /**
     * The calls whose answers carry stored-session rows deeper inside (the projects tree's preview sessions and lanes,
     * {@code scoped_session_ids}): every session row ({@code id} with {@code started_at} or {@code message_count}) and
     * every id in a {@code scoped_session_ids} list the member may not see is removed, wherever it sits.
     */
    static final Set<String> NESTED_LISTING = Set.of("projects.tree", "projects.project_sessions");
    /** The calls that name a stored session (or a title) the agent looks up in the shared store. */
    static final Set<String> BY_STORED_ID = Set.of("session.resume", "session.delete", "session.branch_stored", "session.archive",
            "session.set_hidden");

    /**
     * Returns true when member {@code m} may see stored session {@code stored}: one this agent has live (or had: any
     * session it reported); for a credential's client, also one its agent's owner claimed (or an unclaimed one, for
     * the principals the policy names); a share link's client sees the shared agent's sessions only, whether or not
     * stored sessions are kept apart (one credential).
     */
    private boolean visible(Member m, String stored) {
        StoredSessions ledger = registry.storedSessions();
        if (stored == null || sessions.liveFor(stored) != null) {
            return true;
        }
        if (m.shareId != null) {
            // A share link's holder is not the operator: never the store, even with one credential configured.
            return false;
        }
        return !ledger.enabled() || ledger.visibleTo(hub.owner().source(), stored);
    }

    /** Returns a session.list / session.most_recent answer with only what {@code m} may see. */
    private WireFrame onlyVisible(Member m, String method, WireFrame frame) {
        try {
            JsonNode root = mapper.readTree(frame.text());
            if (!(root.path("result") instanceof com.fasterxml.jackson.databind.node.ObjectNode r)) {
                return frame;
            }
            if (method.equals("session.most_recent")) {
                JsonNode sid = r.path("session_id");
                if (!sid.isTextual() || visible(m, sid.asText())) {
                    return frame;
                }
                com.fasterxml.jackson.databind.node.ObjectNode none = mapper.createObjectNode();
                none.putNull("session_id");
                ((com.fasterxml.jackson.databind.node.ObjectNode) root).set("result", none);
                return WireFrame.of(dev.hermesfront.protocol.PythonJson.write(root));
            }
            if (!r.path("sessions").isArray()) {
                return frame;
            }
            com.fasterxml.jackson.databind.node.ArrayNode kept = mapper.createArrayNode();
            for (JsonNode s : r.path("sessions")) {
                if (visible(m, s.path("id").asText(s.path("session_id").asText(null)))) {
                    kept.add(s);
                }
            }
            r.set("sessions", kept);
            return WireFrame.of(dev.hermesfront.protocol.PythonJson.write(root));
        } catch (IOException e) {
            return frame;
        }
    }

    /** Returns a projects answer without the stored sessions {@code m} may not see ({@link #NESTED_LISTING}). */
    private WireFrame onlyVisibleNested(Member m, WireFrame frame) {
        try {
            JsonNode root = mapper.readTree(frame.text());
            if (!root.path("result").isContainerNode()) {
                return frame;
            }
            return prune(m, root.path("result"), false) ? WireFrame.of(dev.hermesfront.protocol.PythonJson.write(root)) : frame;
        } catch (IOException e) {
            return frame;
        }
    }

    /** Removes hidden session rows and ids under {@code n}; {@code ids}: {@code n} is a list of session ids. Returns true if it changed. */
    private boolean prune(Member m, JsonNode n, boolean ids) {
        boolean changed = false;
        if (n instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
            for (int i = a.size() - 1; i >= 0; i--) {
                JsonNode e = a.get(i);
                boolean row = e.isObject() && e.path("id").isTextual() && (e.has("started_at") || e.has("message_count"));
                if ((row && !visible(m, e.path("id").asText())) || (ids && e.isTextual() && !visible(m, e.asText()))) {
                    a.remove(i);
                    changed = true;
                } else {
                    changed |= prune(m, e, false);
                }
            }
        } else if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            for (java.util.Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                changed |= prune(m, f.getValue(), f.getKey().equals("scoped_session_ids"));
            }
        }
        return changed;
    }

    /**
     * Returns the error a call naming a stored session {@code m} may not see gets (the same as for one that does not
     * exist), or null to let it through. A resume from another profile's store ({@code profile}) is refused outright
     * while sessions are kept apart.
     */
    private String refusedStored(Member m, Frame f) {
        if (!BY_STORED_ID.contains(f.method()) || !(registry.storedSessions().enabled() || m.shareId != null) || f.id() == null) {
            return null;
        }
        try {
            JsonNode params = mapper.readTree(f.text()).path("params");
            if (params.path("profile").isTextual() && !params.path("profile").asText().isBlank()) {
                return ProtocolErrors.handlerError(f.replyId(), ErrorCodes.FORBIDDEN,
                        "forbidden: sessions of another profile are not reachable through this front");
            }
        } catch (IOException e) {
            return null;
        }
        String target = f.sessionId();
        if (target == null || visible(m, target)) {
            return null;
        }
        return ProtocolErrors.handlerError(f.replyId(), 4007, "session not found");
    }

    /** Learns the live (and stored) session a session call returned, and attaches its caller to it. */
    private void learnSession(Member m, WireFrame frame) {
        try {
            JsonNode result = mapper.readTree(frame.text()).path("result");
            JsonNode live = result.path("session_id");
            if (!live.isTextual() || live.asText().isEmpty()) {
                return;
            }
            String stored = null;
            for (JsonNode s : new JsonNode[] {result.path("stored_session_id"), result.path("session_key"), result.path("resumed"),
                    result.path("info").path("stored_session_id")}) {
                if (s.isTextual() && !s.asText().isEmpty()) {
                    stored = s.asText();
                    break;
                }
            }
            sessions.learn(live.asText(), stored);
            registry.storedSessions().claim(stored, hub.owner().source());
            m.sessions.add(live.asText());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not read a session response: {0}", e.getMessage());
        }
    }

    /** Routes an event: a request.cancel follows its request, fork-wire questions go to participants, others by session. */
    private boolean routeEvent(WireFrame frame, String type, String sid) {
        if ("request.cancel".equals(type) && !requests.isEmpty()) {
            ServerRequests.Open o = cancelled(frame);
            if (o != null) {
                registry.settled(hub, o.key);
                // The request.cancel follows its request, and settles it.
                return o.target == null || deliver(o.target, frame);
            }
        }
        boolean question = !hub.v1 && type != null && (ForkQuestions.ASKS.contains(type) || ForkQuestions.EXPIRES.contains(type));
        if (question) {
            String rid = forkRequestId(frame);
            if (ForkQuestions.ASKS.contains(type)) {
                forkQuestions.asked(type, sid, rid, target(sid));
            } else {
                forkQuestions.expired(type, rid);
            }
        }
        if (members.solo() != null) {
            return deliver(members.solo(), frame);
        }
        if (question) {
            // The fork wire's questions are events: participants of the session get them, viewers never do.
            boolean any = false;
            for (Member m : members.all()) {
                if (m.role.participates() && (sid == null || sid.isEmpty() || m.sessions.contains(sid))) {
                    deliver(m, frame);
                    any = true;
                }
            }
            return any || deliverParticipants(frame);
        }
        if (sid == null || sid.isEmpty()) {
            return deliverAll(frame);
        }
        boolean any = false;
        for (Member m : members.all()) {
            if (m.sessions.contains(sid)) {
                deliver(m, frame);
                any = true;
            }
        }
        return any || deliverParticipants(frame);
    }

    /** Returns {@code params.payload.request_id} of a fork-wire question event, or null. */
    private String forkRequestId(WireFrame frame) {
        try {
            JsonNode r = mapper.readTree(frame.text()).path("params").path("payload").path("request_id");
            return r.isTextual() ? r.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Returns the fork-wire questions answer {@code f} names, or null when {@code f} is no such answer (or the agent
     * speaks the current wire).
     */
    private List<ForkQuestions.Ask> forkAnswers(Frame f) {
        if (hub.v1 || f.method() == null || !ForkQuestions.ANSWERS.contains(f.method())) {
            return null;
        }
        try {
            JsonNode params = mapper.readTree(f.text()).path("params");
            String rid = params.path("request_id").isTextual() ? params.path("request_id").asText() : null;
            return forkQuestions.named(f.method(), f.sessionId(), rid, params.path("all").asBoolean(false));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Settles the request a {@code request.cancel} event withdraws; returns it, or null. */
    private ServerRequests.Open cancelled(WireFrame frame) {
        try {
            JsonNode rid = mapper.readTree(frame.text()).path("params").path("payload").path("id");
            return rid.isTextual() ? requests.remove(JsonText.quote(rid.asText())) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A server→client request: to one participant, or held for one. */
    private void serverRequest(WireFrame frame, Frame f) {
        ServerRequests.Open o = requests.add(f.id().json(), f.method(), f.sessionId(), frame);
        if (!hub.frontAnswersPings() && !registry.claims.claim(o.key, hub)) {
            o.elsewhere = true; // upstream's fan-out: another of the front's clients was given it (RequestClaims)
            return;
        }
        offer(o, target(f.sessionId()));
    }

    /** Returns who should answer a request on session {@code sid}: its last submitter, the owner, another participant. */
    private Member target(String sid) {
        Member s = sid == null ? null : submitters.get(sid);
        if (s != null && !s.left && s.role.participates()) {
            return s;
        }
        Member any = null;
        for (Member m : members.all()) {
            if (m.role == Role.OWNER) {
                return m;
            }
            if (any == null && m.role.participates()) {
                any = m;
            }
        }
        return any;
    }

    /** Offers {@code o} to {@code t} (null: hold it). */
    private void offer(ServerRequests.Open o, Member t) {
        o.target = t;
        if (t == null) {
            registry.waiting(hub, o.key, o.method, o.sessionId, false);
            return;
        }
        if (!t.parked && !t.serverRequests && hub.frontAnswersPings() && hub.v1) {
            // Over stdio nobody else answers: without this the agent waits out its deadline (tui-wire-current.md §4.2).
            requests.remove(o.key);
            registry.settled(hub, o.key);
            hub.outbox.add(ProtocolErrors.handlerError(new RequestId.OtherId(o.key), ErrorCodes.METHOD_NOT_FOUND,
                    "no handler for server request: " + o.method));
            return;
        }
        deliver(t, o.frame);
        o.buffered = t.parked;
        registry.waiting(hub, o.key, o.method, o.sessionId, !t.parked && !t.left);
    }

    /** Offers the requests held for want of a participant to {@code m}. */
    void offerHeld(Member m) {
        for (ServerRequests.Open o : requests.of(null)) {
            offer(o, m);
        }
    }

    // ---- clients -> agent ----------------------------------------------------------------------------------

    Frame view(Member m, Frame f) {
        if (m.role != Role.VIEWER || !ResumeTranslator.isSessionPick(f)) {
            return null;
        }
        String live = sessions.liveFor(f.sessionId());
        return live == null ? null : resumes.toActivate(f, live);
    }

    /**
     * Returns the method of the open request {@code f} answers, or null: a bare response frame answers the request of
     * its id; a settling call ({@link #SETTLING}: {@code request.answer}, {@code approval.respond}, {@code clarify.lock})
     * answers the requests it names.
     */
    String requestMethod(Frame f) {
        if (f.isCall()) {
            List<ServerRequests.Open> os = settles(f);
            return os == null || os.isEmpty() ? null : os.get(0).method;
        }
        ServerRequests.Open o = hub.v1 && f.id() != null ? requests.get(f.id().json()) : null;
        return o == null ? null : o.method;
    }

    /**
     * The client calls that settle an open server→client request (tui-wire-current.md §5, §13.3), besides a bare
     * response frame: each goes through the same rule (only the client the request went to, the request's own scope).
     */
    static final Set<String> SETTLING = Set.of("request.answer", "approval.respond", "clarify.lock");

    /**
     * Returns the open requests the settling call {@code f} names (empty when it names none this hub has open), or
     * null when {@code f} is not a settling call. {@code request.answer {id}} names one request; {@code approval.respond}
     * the session's open approvals, or the one whose {@code request_id} it gives; {@code clarify.lock} the clarify of its
     * {@code id} (or {@code request_id}), else the session's open clarify requests.
     */
    private List<ServerRequests.Open> settles(Frame f) {
        if (!hub.v1 || f.method() == null || !SETTLING.contains(f.method())) {
            return null;
        }
        JsonNode params;
        try {
            params = mapper.readTree(f.text()).path("params");
        } catch (IOException e) {
            return List.of();
        }
        String id = params.path("id").isTextual() ? params.path("id").asText() : null;
        if ("request.answer".equals(f.method()) || id != null) {
            ServerRequests.Open o = id == null ? null : requests.get(JsonText.quote(id));
            return o == null ? List.of() : List.of(o);
        }
        String kind = "approval.respond".equals(f.method()) ? "approval" : "clarify";
        String requestId = params.path("request_id").isTextual() ? params.path("request_id").asText() : null;
        if (requestId != null && kind.equals("clarify")) {
            ServerRequests.Open o = requests.get(JsonText.quote(requestId));
            if (o != null) {
                return List.of(o);
            }
        }
        List<ServerRequests.Open> out = new ArrayList<>();
        for (ServerRequests.Open o : requests.all()) {
            if (!o.method.equals(kind) || (f.sessionId() != null && o.sessionId != null && !f.sessionId().equals(o.sessionId))) {
                continue;
            }
            if (requestId != null && !requestId.equals(requestIdOf(o))) {
                continue;
            }
            out.add(o);
        }
        if (requestId != null && out.isEmpty()) {
            // A request_id naming no open request: the agent may settle the session's oldest instead (approval.respond's
            // fallback), so it answers for the session's open requests, as one without a request_id does.
            return settlesSessionWide(f, kind);
        }
        if (requestId == null && out.size() > 1) {
            // A session-wide answer from the client a request went to is not refused for a stale copy that upstream's
            // fan-out gave another of the front's agents (elsewhere); one that names only such copies still is.
            List<ServerRequests.Open> own = new ArrayList<>();
            for (ServerRequests.Open o : out) {
                if (!o.elsewhere) {
                    own.add(o);
                }
            }
            if (!own.isEmpty()) {
                return own;
            }
        }
        return out;
    }

    /** Returns the open requests of {@code kind} on {@code f}'s session (every session when it names none). */
    private List<ServerRequests.Open> settlesSessionWide(Frame f, String kind) {
        List<ServerRequests.Open> out = new ArrayList<>();
        for (ServerRequests.Open o : requests.all()) {
            if (o.method.equals(kind) && (f.sessionId() == null || o.sessionId == null || f.sessionId().equals(o.sessionId))) {
                out.add(o);
            }
        }
        return out;
    }

    /** Returns {@code params.request_id} of an open request's frame, or null. */
    private String requestIdOf(ServerRequests.Open o) {
        try {
            JsonNode r = mapper.readTree(o.frame.text()).path("params").path("request_id");
            return r.isTextual() ? r.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Takes one client frame: an answer is checked against the open request it answers, a call goes through the
     * settling rules, stored-session policy, the resume rewrite, the submission ledger and the id table. Returns the
     * text to send to the agent, or null when nothing goes (then {@link #verdict} says what the client is told); when
     * text is returned, {@link #secret} says whether it carries a secret. Both are read right after, under the monitor.
     */
    String fromClient(Member m, Frame f) {
        routed++;
        secret = false;
        if (f.kind() == FrameKind.RESPONSE || f.kind() == FrameKind.ERROR) {
            ServerRequests.Open o = hub.v1 && f.id() != null ? requests.get(f.id().json()) : null;
            if (o != null) {
                if (o.target != m) {
                    return nothingSent(Member.Sent.NOT_YOURS);
                }
                requests.answered(o.key);
                registry.settled(hub, o.key);
                secret = o.secret();
            } else if (hub.v1 && f.id() != null && requests.wasAnswered(f.id().json())) {
                return nothingSent(Member.Sent.NOT_YOURS); // already answered: a second answer, racing the first, goes nowhere
            }
            return f.text(); // an answer to a request this hub did not see goes on: the agent drops stale ones
        } else {
            String method = f.method();
            List<ServerRequests.Open> settled = settles(f);
            if (settled != null) {
                // An answer by method is an answer: only from the client each request went to.
                for (ServerRequests.Open o : settled) {
                    if (o.target != m) {
                        return nothingSent(Member.Sent.NOT_YOURS);
                    }
                }
                for (ServerRequests.Open o : settled) {
                    requests.answered(o.key);
                    registry.settled(hub, o.key);
                    secret |= o.secret();
                }
            }
            List<ForkQuestions.Ask> asked = forkAnswers(f);
            if (asked != null) {
                // The fork wire's answers by method: only from the client each question went to (or, once it
                // left, from any participant).
                for (ForkQuestions.Ask a : asked) {
                    if (a.target() != null && a.target() != m && !a.target().left) {
                        return nothingSent(Member.Sent.NOT_YOURS);
                    }
                }
                forkQuestions.answered(asked);
                secret |= "sudo.respond".equals(method) || "secret.respond".equals(method);
            }
            if ("client.capabilities".equals(method)) {
                m.serverRequests = advertisesServerRequests(f);
            } else if ("prompt.submit".equals(method) && f.sessionId() != null) {
                submitters.put(f.sessionId(), m);
                m.sessions.add(f.sessionId());
            }
            String refused = refusedStored(m, f);
            if (refused != null) {
                // Answered here, as the agent answers a session it does not have; the agent never sees the call.
                deliver(m, refused);
                return nothingSent(Member.Sent.OK);
            }
            Frame g = f;
            if (m.joined && "session.resume".equals(method) && f.sessionId() != null && sessions.isLive(f.sessionId())) {
                g = resumes.toActivate(f, f.sessionId());
                LOG.log(System.Logger.Level.DEBUG, "agent {0}: session.resume of a live session sent as session.activate", hub.id());
            }
            if (ids.full(m, g)) {
                // Every queue is bounded: a client repeating an id the agent has not answered is refused past a few.
                deliver(m, ProtocolErrors.handlerError(f.replyId(), ErrorCodes.RATE_LIMITED, "too many calls outstanding under one id (at most "
                        + IdMux.MAX_PER_KEY + "): wait for their answers or use new ids"));
                return nothingSent(Member.Sent.OK);
            }
            // Delivery without doubles: a submission already admitted is answered here, not sent again.
            SubmissionLedger.Admission a = submissions.admit(m, g, hub.ready);
            if (a instanceof SubmissionLedger.Admission.Answered x) {
                deliver(m, x.answer());
                return nothingSent(Member.Sent.OK);
            } else if (a instanceof SubmissionLedger.Admission.Waiting) {
                return nothingSent(Member.Sent.OK);
            }
            g = a instanceof SubmissionLedger.Admission.Admit x ? x.frame() : ((SubmissionLedger.Admission.Forward) a).frame();
            IdMux.Registered r = ids.register(m, g, g.method());
            if (a instanceof SubmissionLedger.Admission.Admit x) {
                submissions.sent(x.entry(), r.key());
            }
            return r.renumbered() ? g.withId(r.key()) : g.text();
        }
    }

    /** Sets {@link #verdict} to {@code s}; returns null (nothing goes to the agent). */
    private String nothingSent(Member.Sent s) {
        verdict = s;
        return null;
    }

    private boolean advertisesServerRequests(Frame f) {
        try {
            return mapper.readTree(f.text()).path("params").path("server_requests").asBoolean(false);
        } catch (IOException e) {
            return false;
        }
    }


    private boolean deliver(Member m, String text) {
        return members.deliver(m, WireFrame.of(text));
    }

    private boolean deliver(Member m, WireFrame frame) {
        return members.deliver(m, frame);
    }

    private boolean deliverAll(WireFrame frame) {
        return members.deliverAll(frame);
    }

    private boolean deliverParticipants(WireFrame frame) {
        return members.deliverParticipants(frame);
    }
}
