package dev.hermesfront.bridge.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.park.ParkBuffer;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.protocol.ErrorCodes;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameHead;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.JsonText;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.ReadyFrame;
import dev.hermesfront.protocol.RequestId;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * One agent and the clients attached to it (docs/sharing.md): its owner, the owner's other devices, and
 * holders of a share link, each a {@link Member} with a {@link Role}. The agent link writes into this hub
 * (it is the link's {@link ClientSink}); the hub routes every frame to the member it belongs to.
 *
 * <p><b>One client</b> (the usual case) is a pipe, as before sharing existed: events (most frames) go to it
 * after one prefix test; other frames are read with {@link FrameHead} (a few dozen characters, no parser) to
 * settle the call they answer. Client ids reach the agent untouched.
 *
 * <p><b>Several clients</b>:
 * <ul>
 *   <li>calls: a client's id passes unchanged unless another client has a call outstanding under it; then it
 *       is renumbered ({@link IdMux}) and the answer gets it back (only the id token is spliced, nothing is
 *       re-serialized), delivered to that client only;</li>
 *   <li>events go to every client attached to the session they name: the sessions its own session calls
 *       returned (and those it submitted to), plus those of the parked predecessor it took over; an event for
 *       a session nobody attached to goes to the participants, one without a session to everyone;</li>
 *   <li>server→client requests (current wire: a frame with a string id and a method other than {@code event})
 *       go to the participant that last submitted a turn on their session, else the owner, else another
 *       participant, never a viewer; they are held for a parked owner and offered again when it comes back;
 *       {@code request.cancel} follows the request and settles it; an answer is taken only from the client the
 *       request went to. Fronting a local agent (stdio, demo, replay) whose client never advertised
 *       {@code client.capabilities {"server_requests": true}}, the hub answers {@code -32601} itself
 *       (tui-wire-current.md §4.2, duty 2).</li>
 * </ul>
 *
 * <p><b>Parking</b>: when the last participant leaves, the agent is parked for it (its member stays, its sink
 * becomes a {@link ParkBuffer}); viewers never keep an agent alive on their own but keep watching, and are
 * told when it is parked, re-attached or stopped. The next participant to come back takes the parked member
 * over: the ready frame, the buffered frames in order, then live frames, each exactly once.
 *
 * <p>Thread-safe: all state is guarded by this object's monitor; calls into the agent link and connection
 * closes happen outside it.
 */
public final class AgentHub implements ClientSink {
    private static final System.Logger LOG = System.getLogger(AgentHub.class.getName());
    /** How the Hermes agent starts every event frame (tui-wire.md §1.3): the hot path tests this prefix only. */
    static final String EVENT_PREFIX = "{\"jsonrpc\": \"2.0\", \"method\": \"event\"";
    /** The same written compactly, as JSON writers other than Python's do. */
    static final String EVENT_PREFIX_COMPACT = "{\"jsonrpc\":\"2.0\",\"method\":\"event\"";
    static final Set<String> SESSION_METHODS = Set.of("session.create", "session.resume", "session.activate", "session.branch");
    private static final int MAX_SUBMITTERS = 4096;

    private final String id;
    private final Owner owner;
    private final boolean frontAnswersPings;
    private final AgentRegistry registry;
    private final ParkingPolicy policy;
    private final MemoryBudget budget;
    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final ResumeTranslator resumes;
    private final long startedAtMillis = System.currentTimeMillis();
    private final IdMux ids = new IdMux();
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
    private final List<Member> members = new ArrayList<>(2);
    /** Frames for the agent produced while holding the monitor (automatic answers), sent after it is released. */
    private final ArrayDeque<String> outbox = new ArrayDeque<>();
    private int memberCount;
    private boolean solo;
    /** The sinks that pace the agent (connected participants'), recomputed when membership changes; read per frame. */
    private volatile ClientSink[] pacers = new ClientSink[0];
    private AgentLink link;
    private Runnable onEnd = () -> { };
    private String ready;
    private boolean v1;
    private AgentExit exit;
    private boolean ended;
    private Member parkedMember;

    AgentHub(String id, Owner owner, boolean frontAnswersPings, AgentRegistry registry, ParkingPolicy policy, MemoryBudget budget,
             ObjectMapper mapper, FrameCodec codec) {
        this.id = id;
        this.owner = owner;
        this.frontAnswersPings = frontAnswersPings;
        this.registry = registry;
        this.policy = policy;
        this.budget = budget;
        this.mapper = mapper;
        this.codec = codec;
        this.resumes = new ResumeTranslator(mapper);
        this.submissions = new SubmissionLedger(mapper, codec, policy.enabled() ? policy.window() : Duration.ZERO, System::nanoTime);
    }

    /** Returns the agent's id (24 hex digits): {@code ?resume=ID}, {@code ?agent=ID}, {@code /front/agents/ID}. */
    public String id() {
        return id;
    }

    /** Returns who started the agent. */
    public Owner owner() {
        return owner;
    }

    /** Returns true when the front answers {@code gateway.ping} for this agent (its link is local). */
    public boolean frontAnswersPings() {
        return frontAnswersPings;
    }

    /**
     * Attaches the first client of a new agent (its owner), before the agent is started: it gets the ready
     * frame as soon as the agent sends it.
     */
    public synchronized Member attach(MemberSpec spec, ClientSink sink, Connection connection) {
        Member m = new Member(this, ++memberCount, spec, sink, connection);
        members.add(m);
        updateSolo();
        if (ready != null) {
            sendReady(m, 0);
        }
        return m;
    }

    /** Sets the agent link and what to run once when the agent is stopped; called once, right after it started. */
    public synchronized void link(AgentLink link, Runnable onEnd) {
        this.link = link;
        this.onEnd = onEnd;
    }

    /** Returns the agent link (null until {@link #link}). */
    public synchronized AgentLink agent() {
        return link;
    }

    /**
     * Attaches a client to this running agent. A participant that finds the agent parked takes the parked
     * member over (its buffered frames, sessions and open requests); anyone else joins alongside.
     *
     * @return the member, or null when the agent was stopped meanwhile
     */
    public Member join(MemberSpec spec, ClientSink sink, Connection connection) {
        Member m;
        String lost = null;
        synchronized (this) {
            if (ended) {
                return null;
            }
            if (spec.role().participates() && parkedMember != null) {
                registry.unparked(this);
                lost = overflowWhy();
                m = lost == null ? takeOver(spec, sink, connection) : null;
            } else {
                m = new Member(this, ++memberCount, spec, sink, connection);
                m.joined = true;
                m.announce = true;
                members.add(m);
                updateSolo();
                if (ready != null) {
                    sendReady(m, 0);
                }
                if (m.role == Role.VIEWER) {
                    // Shown once the viewer looks at a session: a TUI replaces a notice that comes before its session.
                    m.welcome = Notices.sharing(mapper, id, "viewing", "you are watching an agent of " + owner.credential()
                            + " (read only)" + (parkedMember != null ? "; its owner is away and it is parked" : ""), "info", parkedMember != null);
                } else {
                    offerHeld(m);
                }
            }
        }
        if (lost != null) {
            registry.giveUpNow(this, lost);
            return null;
        }
        flushOutbox();
        return m;
    }

    /**
     * Gives the parked member to a client that came back (the registry handed this hub out of its parked
     * stack). Returns null when the agent is no longer parked (someone else came back first, or it was
     * stopped); the caller then starts a new agent.
     */
    public Member reattach(MemberSpec spec, ClientSink sink, Connection connection) {
        Member m;
        String lost;
        synchronized (this) {
            if (ended || parkedMember == null) {
                return null;
            }
            registry.unparked(this);
            lost = overflowWhy();
            m = lost == null ? takeOver(spec, sink, connection) : null;
        }
        if (lost != null) {
            registry.giveUpNow(this, lost);
            return null;
        }
        flushOutbox();
        return m;
    }

    /** Returns why the parked member cannot be taken over (its buffer overflowed), or null. Caller holds the monitor. */
    private String overflowWhy() {
        return parkedMember != null && ((ParkBuffer) parkedMember.sink).overflowed() ? "more output than the parking buffer holds" : null;
    }

    /** Caller holds the monitor; {@code parkedMember} is set. */
    private Member takeOver(MemberSpec spec, ClientSink sink, Connection connection) {
        Member m = parkedMember;
        parkedMember = null;
        ParkBuffer buffer = (ParkBuffer) m.sink;
        m.name = spec.name();
        m.role = spec.role();
        m.shareId = spec.shareId();
        m.parked = false;
        m.reattached = true;
        m.joined = true;
        m.announce = true;
        m.connection = connection;
        m.sink = sink;
        int replayed = buffer.size();
        if (ready != null) {
            sendReady(m, replayed);
        } else {
            m.readySent = false;
        }
        buffer.drainTo(sink);
        buffer.close();
        for (ServerRequests.Open o : requests.of(m)) {
            if (!o.buffered) {
                offer(o, m);
            }
            o.buffered = false;
        }
        offerHeld(m);
        updateSolo();
        tellViewers("agent_reattached", "the agent's owner is back", "info", false);
        if (exit != null) {
            sink.agentClosed(exit);
        }
        LOG.log(System.Logger.Level.DEBUG, "agent {0}: {1} came back ({2,number,#} buffered frames)", id, m, replayed);
        return m;
    }

    /** Returns true once the agent has sent its first frame ({@code gateway.ready}). */
    public synchronized boolean ready() {
        return ready != null;
    }

    /** Returns true while the agent is parked (no participant attached, its owner's frames buffered). */
    public synchronized boolean parked() {
        return parkedMember != null;
    }

    /** Returns true once the agent was stopped for good. */
    public synchronized boolean ended() {
        return ended;
    }

    /** Returns the agent's exit, or null while it runs. */
    public synchronized AgentExit exit() {
        return exit;
    }

    /** Returns the frames the parked member would lose now: buffered plus dropped. */
    synchronized int lostFrames() {
        if (parkedMember == null || !(parkedMember.sink instanceof ParkBuffer b)) {
            return 0;
        }
        return b.size() + b.dropped();
    }

    synchronized void sendAfterReady(Member m, List<String> frames) {
        if (m.readySent) {
            frames.forEach(f -> deliver(m, f));
        } else {
            m.afterReady.addAll(frames);
        }
    }

    /** Caller holds the monitor. */
    private void sendReady(Member m, int replayed) {
        m.sink.send(readyFor(m, replayed));
        m.readySent = true;
        for (String f : m.afterReady) {
            m.sink.send(f);
        }
        m.afterReady.clear();
    }

    /**
     * Returns the ready frame for {@code m}: the agent's (with the heartbeat the link's announcer added), or
     * with the front's announcement in {@code payload.capabilities.hermes_front} when the client asked for it
     * or came to a running agent. Caller holds the monitor.
     */
    private String readyFor(Member m, int replayed) {
        if (!m.announce) {
            return ready;
        }
        Map<String, Object> front = new LinkedHashMap<>();
        front.put("resume_id", id);
        front.put("reattached", m.reattached);
        front.put("replayed_frames", replayed);
        front.put("role", m.role.label());
        return ReadyFrame.amend(ready, mapper, false, front);
    }

    // ---- agent -> clients ----------------------------------------------------------------------------------

    @Override
    public boolean send(WireFrame frame) {
        boolean ok;
        synchronized (this) {
            if (ended) {
                return false;
            }
            if (ready == null) {
                ready = frame.text();
                v1 = ReadyFrame.isCurrentWire(ready, mapper);
                for (Member m : members) {
                    if (!m.parked) {
                        sendReady(m, 0);
                    }
                }
                return true;
            }
            if (solo && (frame.startsWith(EVENT_PREFIX) || frame.startsWith(EVENT_PREFIX_COMPACT))
                    && (requests.isEmpty() || !frame.contains("\"request.cancel\""))) {
                return deliver(members.get(0), frame); // the hot path: one client, an event
            }
            ok = route(frame);
        }
        flushOutbox();
        return ok;
    }

    /** Caller holds the monitor. */
    private boolean route(WireFrame frame) {
        FrameHead h = frame.head();
        if (h.shape() == FrameHead.Shape.EVENT) {
            return routeEvent(frame, h.eventType(), h.sessionId());
        }
        if (h.shape() == FrameHead.Shape.ID_FIRST && !(v1 && "method".equals(h.next()))) {
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
        if (f.kind() == FrameKind.REQUEST && v1 && f.id() instanceof RequestId.StringId) {
            serverRequest(frame, f);
            return true;
        }
        return response(frame, f.id().json(), f.idStart(), f.idEnd(), false);
    }

    /**
     * Delivers the agent's answer to the call it answers, with the caller's own id back: spliced into the bytes
     * at {@code [idStart, idEnd)} ({@code byteOffsets}, from the frame's head) or into its text (from the codec).
     * Caller holds the monitor.
     */
    private boolean response(WireFrame frame, String key, int idStart, int idEnd, boolean byteOffsets) {
        IdMux.Pending p = ids.take(key);
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
     * stored sessions are kept apart (one credential). Caller holds the monitor.
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
        return !ledger.enabled() || ledger.visibleTo(owner.source(), stored);
    }

    /** Returns a session.list / session.most_recent answer with only what {@code m} may see. Caller holds the monitor. */
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

    /** Returns a projects answer without the stored sessions {@code m} may not see ({@link #NESTED_LISTING}). Caller holds the monitor. */
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
     * while sessions are kept apart. Caller holds the monitor.
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
            registry.storedSessions().claim(stored, owner.source());
            m.sessions.add(live.asText());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not read a session response: {0}", e.getMessage());
        }
    }

    /** Caller holds the monitor. */
    private boolean routeEvent(WireFrame frame, String type, String sid) {
        if ("request.cancel".equals(type) && !requests.isEmpty()) {
            ServerRequests.Open o = cancelled(frame);
            if (o != null) {
                registry.settled(this, o.key);
                // The request.cancel follows its request, and settles it.
                return o.target == null || deliver(o.target, frame);
            }
        }
        boolean question = !v1 && type != null && (ForkQuestions.ASKS.contains(type) || ForkQuestions.EXPIRES.contains(type));
        if (question) {
            String rid = forkRequestId(frame);
            if (ForkQuestions.ASKS.contains(type)) {
                forkQuestions.asked(type, sid, rid, target(sid));
            } else {
                forkQuestions.expired(type, rid);
            }
        }
        if (solo) {
            return deliver(members.get(0), frame);
        }
        if (question) {
            // The fork wire's questions are events: participants of the session get them, viewers never do.
            boolean any = false;
            for (Member m : members) {
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
        for (Member m : members) {
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
     * speaks the current wire). Caller holds the monitor.
     */
    private List<ForkQuestions.Ask> forkAnswers(Frame f) {
        if (v1 || f.method() == null || !ForkQuestions.ANSWERS.contains(f.method())) {
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

    /** A server→client request: to one participant, or held for one. Caller holds the monitor. */
    private void serverRequest(WireFrame frame, Frame f) {
        ServerRequests.Open o = requests.add(f.id().json(), f.method(), f.sessionId(), frame);
        if (!frontAnswersPings && !registry.claims.claim(o.key, this)) {
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
        for (Member m : members) {
            if (m.role == Role.OWNER) {
                return m;
            }
            if (any == null && m.role.participates()) {
                any = m;
            }
        }
        return any;
    }

    /** Offers {@code o} to {@code t} (null: hold it). Caller holds the monitor. */
    private void offer(ServerRequests.Open o, Member t) {
        o.target = t;
        if (t == null) {
            registry.waiting(this, o.key, o.method, o.sessionId, false);
            return;
        }
        if (!t.parked && !t.serverRequests && frontAnswersPings && v1) {
            // Over stdio nobody else answers: without this the agent waits out its deadline (tui-wire-current.md §4.2).
            requests.remove(o.key);
            registry.settled(this, o.key);
            outbox.add(ProtocolErrors.handlerError(new RequestId.OtherId(o.key), ErrorCodes.METHOD_NOT_FOUND,
                    "no handler for server request: " + o.method));
            return;
        }
        deliver(t, o.frame);
        o.buffered = t.parked;
        registry.waiting(this, o.key, o.method, o.sessionId, !t.parked && !t.left);
    }

    /** Offers the requests held for want of a participant to {@code m}. Caller holds the monitor. */
    private void offerHeld(Member m) {
        for (ServerRequests.Open o : requests.of(null)) {
            offer(o, m);
        }
    }

    /** Caller holds the monitor. */
    private boolean deliver(Member m, String text) {
        return deliver(m, WireFrame.of(text));
    }

    /** Caller holds the monitor. */
    private boolean deliver(Member m, WireFrame frame) {
        if (m.left) {
            return false;
        }
        if (m.sink.send(frame)) {
            return true;
        }
        if (!m.parked && m.role.participates() && !(m.sink instanceof ParkBuffer)) {
            // Its connection was just cut off or is closing: keep what follows for the parking that comes next.
            ParkBuffer limbo = newBuffer();
            limbo.send(frame);
            m.sink = limbo;
            updateSolo();
        }
        return false;
    }

    private boolean deliverAll(WireFrame frame) {
        for (Member m : members) {
            deliver(m, frame);
        }
        return true;
    }

    private boolean deliverParticipants(WireFrame frame) {
        for (Member m : members) {
            if (m.role.participates()) {
                deliver(m, frame);
            }
        }
        return true;
    }

    private void tellViewers(String event, String text, String level, boolean sticky) {
        WireFrame notice = null;
        for (Member m : members) {
            if (m.role == Role.VIEWER && !m.left) {
                if (notice == null) {
                    notice = WireFrame.of(Notices.sharing(mapper, id, event, text, level, sticky));
                }
                deliver(m, notice);
            }
        }
    }

    private ParkBuffer newBuffer() {
        return new ParkBuffer(policy, budget.open(), () -> registry.overflowed(this));
    }

    /** Recomputes what depends on membership. Caller holds the monitor. */
    private void updateSolo() {
        solo = members.size() == 1 && members.get(0).role.participates();
        List<ClientSink> r = new ArrayList<>(members.size());
        for (Member m : members) {
            if (m.role.participates() && !m.parked && !m.left) {
                r.add(m.sink);
            }
        }
        pacers = r.toArray(new ClientSink[0]);
    }

    private void flushOutbox() {
        while (true) {
            String f;
            AgentLink l;
            synchronized (this) {
                f = outbox.pollFirst();
                l = link;
            }
            if (f == null || l == null) {
                return;
            }
            l.send(f);
        }
    }

    @Override
    public boolean awaitWritable(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean all = true;
        for (ClientSink s : pacing()) {
            // A participant that stays stuck is cut off by its sink; the agent then carries on for the others.
            all &= s.awaitWritable(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return all;
    }

    @Override
    public boolean whenWritable(Runnable callback) {
        for (ClientSink s : pacing()) {
            if (!s.whenWritable(() -> {
                if (whenWritable(callback)) {
                    callback.run();
                }
            })) {
                return false;
            }
        }
        return true;
    }

    /** Returns the event loop of the first client (the owner, who starts the agent): its link may read there. */
    @Override
    public synchronized Executor eventLoop() {
        return members.isEmpty() ? null : members.get(0).sink.eventLoop();
    }

    /** Returns the sinks that pace the agent: connected participants'. A slow viewer never holds the agent up. */
    private ClientSink[] pacing() {
        return pacers;
    }

    @Override
    public void agentClosed(AgentExit e) {
        List<ClientSink> live = new ArrayList<>();
        boolean wasParked;
        synchronized (this) {
            exit = e;
            for (Member m : members) {
                if (!m.parked && !m.left) {
                    live.add(m.sink);
                }
            }
            wasParked = parkedMember != null;
        }
        live.forEach(s -> s.agentClosed(e));
        if (wasParked) {
            registry.exitedWhileParked(this, e);
        }
    }

    // ---- clients -> agent ----------------------------------------------------------------------------------

    synchronized Frame view(Member m, Frame f) {
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
    synchronized String requestMethod(Frame f) {
        if (f.isCall()) {
            List<ServerRequests.Open> os = settles(f);
            return os == null || os.isEmpty() ? null : os.get(0).method;
        }
        ServerRequests.Open o = v1 && f.id() != null ? requests.get(f.id().json()) : null;
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
     * {@code id} (or {@code request_id}), else the session's open clarify requests. Caller holds the monitor.
     */
    private List<ServerRequests.Open> settles(Frame f) {
        if (!v1 || f.method() == null || !SETTLING.contains(f.method())) {
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

    Member.Sent fromClient(Member m, Frame f) {
        String text;
        boolean secret = false;
        AgentLink l;
        synchronized (this) {
            l = link;
            if (m.left || l == null) {
                return Member.Sent.AGENT_BUSY;
            }
            if (f.kind() == FrameKind.RESPONSE || f.kind() == FrameKind.ERROR) {
                ServerRequests.Open o = v1 && f.id() != null ? requests.get(f.id().json()) : null;
                if (o != null) {
                    if (o.target != m) {
                        return Member.Sent.NOT_YOURS;
                    }
                    requests.answered(o.key);
                    registry.settled(this, o.key);
                    secret = o.secret();
                } else if (v1 && f.id() != null && requests.wasAnswered(f.id().json())) {
                    return Member.Sent.NOT_YOURS; // already answered: a second answer, racing the first, goes nowhere
                }
                text = f.text(); // an answer to a request this hub did not see goes on: the agent drops stale ones
            } else {
                String method = f.method();
                List<ServerRequests.Open> settled = settles(f);
                if (settled != null) {
                    // An answer by method is an answer: only from the client each request went to.
                    for (ServerRequests.Open o : settled) {
                        if (o.target != m) {
                            return Member.Sent.NOT_YOURS;
                        }
                    }
                    for (ServerRequests.Open o : settled) {
                        requests.answered(o.key);
                        registry.settled(this, o.key);
                        secret |= o.secret();
                    }
                }
                List<ForkQuestions.Ask> asked = forkAnswers(f);
                if (asked != null) {
                    // The fork wire's answers by method: only from the client each question went to (or, once it
                    // left, from any participant).
                    for (ForkQuestions.Ask a : asked) {
                        if (a.target() != null && a.target() != m && !a.target().left) {
                            return Member.Sent.NOT_YOURS;
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
                    return Member.Sent.OK;
                }
                Frame g = f;
                if (m.joined && "session.resume".equals(method) && f.sessionId() != null && sessions.isLive(f.sessionId())) {
                    g = resumes.toActivate(f, f.sessionId());
                    LOG.log(System.Logger.Level.DEBUG, "agent {0}: session.resume of a live session sent as session.activate", id);
                }
                if (ids.full(m, g)) {
                    // Every queue is bounded: a client repeating an id the agent has not answered is refused past a few.
                    deliver(m, ProtocolErrors.handlerError(f.replyId(), ErrorCodes.RATE_LIMITED, "too many calls outstanding under one id (at most "
                            + IdMux.MAX_PER_KEY + "): wait for their answers or use new ids"));
                    return Member.Sent.OK;
                }
                // Delivery without doubles: a submission already admitted is answered here, not sent again.
                SubmissionLedger.Admission a = submissions.admit(m, g, ready);
                if (a instanceof SubmissionLedger.Admission.Answered x) {
                    deliver(m, x.answer());
                    return Member.Sent.OK;
                } else if (a instanceof SubmissionLedger.Admission.Waiting) {
                    return Member.Sent.OK;
                }
                g = a instanceof SubmissionLedger.Admission.Admit x ? x.frame() : ((SubmissionLedger.Admission.Forward) a).frame();
                IdMux.Registered r = ids.register(m, g, g.method());
                if (a instanceof SubmissionLedger.Admission.Admit x) {
                    submissions.sent(x.entry(), r.key());
                }
                text = r.renumbered() ? g.withId(r.key()) : g.text();
            }
        }
        flushOutbox();
        WireFrame out = WireFrame.of(text);
        boolean ok = secret ? l.sendPrivate(out) : l.send(out);
        return ok ? Member.Sent.OK : Member.Sent.AGENT_BUSY;
    }

    private boolean advertisesServerRequests(Frame f) {
        try {
            return mapper.readTree(f.text()).path("params").path("server_requests").asBoolean(false);
        } catch (IOException e) {
            return false;
        }
    }

    Member.Left leave(Member m, List<WireFrame> unsent, boolean mayPark) {
        boolean stop = false;
        Member.Left result;
        synchronized (this) {
            if (m.left || m.parked) {
                return Member.Left.LEFT;
            }
            boolean last = m.role.participates() && members.stream().noneMatch(x -> x != m && x.role.participates() && !x.left);
            if (last && mayPark && exit == null && !ended && policy.enabled()) {
                ParkBuffer buffer = m.sink instanceof ParkBuffer limbo ? limbo : newBuffer();
                List<WireFrame> inBuffer = new ArrayList<>(unsent);
                buffer.prepend(unsent);
                m.sink = buffer;
                m.parked = true;
                m.readySent = false;
                parkedMember = m;
                for (ServerRequests.Open o : requests.of(m)) {
                    o.buffered = buffer.holds(o.frame) || inBuffer.stream().anyMatch(x -> x == o.frame);
                    registry.waiting(this, o.key, o.method, o.sessionId, false);
                }
                updateSolo();
                tellViewers("agent_parked", "the agent's owner disconnected; the agent is kept for up to "
                        + policy.window().toSeconds() + " s", "warn", true);
                registry.parked(this);
                if (buffer.overflowed()) {
                    registry.overflowed(this);
                }
                return Member.Left.PARKED;
            }
            m.left = true;
            members.remove(m);
            if (m.sink instanceof ParkBuffer limbo) {
                limbo.close();
            }
            ids.forget(m);
            submissions.forget(m);
            updateSolo();
            if (m.role.participates()) {
                for (ServerRequests.Open o : requests.of(m)) {
                    offer(o, target(o.sessionId));
                }
            }
            stop = last;
            result = last ? Member.Left.STOPPED : Member.Left.LEFT;
        }
        flushOutbox();
        if (stop) {
            end(mayPark ? "its last participant left" : "its client left");
        }
        return result;
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------

    /** Stops the agent for good (idempotent): viewers still watching are told and closed (1001). */
    public void end(String why) {
        AgentLink l;
        Runnable r;
        List<Member> live = new ArrayList<>();
        synchronized (this) {
            if (ended) {
                return;
            }
            tellViewers("agent_stopped", "the agent was stopped (" + why + ")", "warn", true);
            ended = true;
            for (String key : requests.keys()) {
                registry.settled(this, key);
            }
            l = link;
            r = onEnd;
            for (Member m : members) {
                if (m.sink instanceof ParkBuffer b) {
                    b.close();
                } else if (!m.left) {
                    live.add(m);
                }
            }
            parkedMember = null;
        }
        if (l != null) {
            l.close();
        }
        r.run();
        registry.ended(this);
        registry.claims.release(this);
        for (Member m : live) {
            m.connection.close(1001, "the agent was stopped");
        }
    }

    /** Closes the connections of clients that came in with share {@code shareId}; returns how many. */
    public int closeShare(String shareId, int code, String reason) {
        List<Connection> close = new ArrayList<>();
        synchronized (this) {
            for (Member m : members) {
                if (shareId.equals(m.shareId) && !m.left && !m.parked) {
                    close.add(m.connection);
                }
            }
        }
        close.forEach(c -> c.close(code, reason));
        return close.size();
    }

    /** Returns what {@code GET /front/agents} shows of this agent. */
    public synchronized Snapshot snapshot() {
        List<Snapshot.Session> ss = new ArrayList<>();
        for (String live : sessions.live()) {
            ss.add(new Snapshot.Session(live, sessions.storedOf(live)));
        }
        List<Snapshot.Client> cs = new ArrayList<>();
        for (Member m : members) {
            cs.add(new Snapshot.Client(m.number, m.name, m.role.label(), m.parked));
        }
        return new Snapshot(id, owner, parkedMember != null, ended, startedAtMillis, ss, cs);
    }

    /**
     * What {@code GET /front/agents} shows of one agent.
     *
     * @param parked  no participant attached; the owner's frames are buffered
     * @param ended   stopped (it leaves the registry at once; seen only in a race)
     * @param started when it started, epoch milliseconds
     */
    public record Snapshot(String id, Owner owner, boolean parked, boolean ended, long started, List<Session> sessions,
                           List<Client> clients) {
        /** A session the agent has live, and its stored id when known. */
        public record Session(String sessionId, String storedSessionId) {}

        /** An attached client; {@code parked} for the owner's seat while it is away. */
        public record Client(int number, String name, String role, boolean parked) {}
    }

    @Override
    public String toString() {
        return "agent " + id;
    }
}
