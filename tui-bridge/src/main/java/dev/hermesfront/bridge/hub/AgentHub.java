package dev.hermesfront.bridge.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameHead;
import dev.hermesfront.protocol.ReadyFrame;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * One agent and the clients attached to it (docs/sharing.md): its owner, the owner's other devices, and
 * holders of a share link, each a {@link Member} with a {@link Role}. The agent link writes into this hub
 * (it is the link's {@link ClientSink}); the hub routes every frame to the member it belongs to.
 *
 * <p>The hub is three parts under one lock (this object's monitor):
 * <ul>
 *   <li><b>the pipe</b> (this class): the agent's {@link ClientSink} (frames in, pacing, the agent's exit), the link
 *       and the outbox to the agent, the ready frame, the lifecycle, and the fast path;</li>
 *   <li><b>the {@link Router}</b>: what belongs to whom when several clients share the agent, and what the front does
 *       to a frame on the way (ids, server requests, stored-session filters, delivery without doubles);</li>
 *   <li><b>the {@link Membership}</b>: the members, the solo member, the pacing sinks, the ready frame each gets,
 *       parking and taking a parked seat over.</li>
 * </ul>
 *
 * <p><b>One client</b> (the usual case) is a pipe, as before sharing existed, and the router is not entered (the
 * fast path): while one participant is attached ({@link Membership#solo}) and no server→client request is open,
 * events (most frames) go to it after one prefix test, and answers are read with {@link FrameHead} (a few dozen
 * characters, no parser), their call taken from the id table and the answer handed over as it arrived (its id
 * spliced back if the call was renumbered while another client was attached). Only answers the router must read
 * ({@link Router#plain}: a session call's, a filtered listing's, while the submission ledger remembers something)
 * go to it. A client's call goes to the link with only its id registered, unless the router needs it
 * ({@link Router#routedCall}: answers to server requests, capabilities, submissions, stored-session policy). Client
 * ids reach the agent untouched. A second client switches every frame to the router under the same monitor, so
 * nothing is lost or reordered at the switch; the last one leaving switches back.
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
 * becomes a {@link dev.hermesfront.bridge.park.ParkBuffer}); viewers never keep an agent alive on their own but
 * keep watching, and are told when it is parked, re-attached or stopped. The next participant to come back takes
 * the parked member over: the ready frame, the buffered frames in order, then live frames, each exactly once.
 *
 * <p>Thread-safe: all state of the three parts is guarded by this object's monitor (the parts hold no lock of their
 * own, so there is no lock order among them); calls into the agent link and connection closes happen outside it.
 */
public final class AgentHub implements ClientSink {
    /** How the Hermes agent starts every event frame (tui-wire.md §1.3): the hot path tests this prefix only. */
    static final String EVENT_PREFIX = "{\"jsonrpc\": \"2.0\", \"method\": \"event\"";
    /** The same written compactly, as JSON writers other than Python's do. */
    static final String EVENT_PREFIX_COMPACT = "{\"jsonrpc\":\"2.0\",\"method\":\"event\"";

    private final String id;
    private final Owner owner;
    private final boolean frontAnswersPings;
    private final AgentRegistry registry;
    private final ObjectMapper mapper;
    private final long startedAtMillis = System.currentTimeMillis();
    /** The calls outstanding at the agent: the router's and the fast path's (one table, so the two paths agree). */
    private final IdMux ids = new IdMux();
    final Membership members;
    final Router router;
    /** Frames for the agent produced while holding the monitor (automatic answers), sent after it is released. */
    final ArrayDeque<String> outbox = new ArrayDeque<>();
    private AgentLink link;
    private Runnable onEnd = () -> { };
    /** The agent's first frame ({@code gateway.ready}), null until it came. */
    String ready;
    /** The agent speaks the current wire (its ready frame says so). */
    boolean v1;
    AgentExit exit;
    boolean ended;

    AgentHub(String id, Owner owner, boolean frontAnswersPings, AgentRegistry registry, ParkingPolicy policy, MemoryBudget budget,
             ObjectMapper mapper, FrameCodec codec) {
        this.id = id;
        this.owner = owner;
        this.frontAnswersPings = frontAnswersPings;
        this.registry = registry;
        this.mapper = mapper;
        this.members = new Membership(this, registry, policy, budget, mapper);
        this.router = new Router(this, members, ids, registry, mapper, codec, policy.enabled() ? policy.window() : Duration.ZERO);
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
        return members.attach(spec, sink, connection);
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
        Membership.Joined j;
        synchronized (this) {
            if (ended) {
                return null;
            }
            j = members.join(spec, sink, connection, router);
        }
        return joined(j);
    }

    /**
     * Gives the parked member to a client that came back (the registry handed this hub out of its parked
     * stack). Returns null when the agent is no longer parked (someone else came back first, or it was
     * stopped); the caller then starts a new agent.
     */
    public Member reattach(MemberSpec spec, ClientSink sink, Connection connection) {
        Membership.Joined j;
        synchronized (this) {
            if (ended || members.parked() == null) {
                return null;
            }
            j = members.reattach(spec, sink, connection, router);
        }
        return joined(j);
    }

    private Member joined(Membership.Joined j) {
        if (j.lost() != null) {
            registry.giveUpNow(this, j.lost());
            return null;
        }
        flushOutbox();
        return j.member();
    }

    /** Returns true once the agent has sent its first frame ({@code gateway.ready}). */
    public synchronized boolean ready() {
        return ready != null;
    }

    /** Returns true while the agent is parked (no participant attached, its owner's frames buffered). */
    public synchronized boolean parked() {
        return members.parked() != null;
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
        return members.lostFrames();
    }

    synchronized void sendAfterReady(Member m, List<String> frames) {
        members.sendAfterReady(m, frames);
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
                members.readyArrived();
                return true;
            }
            Member solo = members.solo();
            if (solo == null) {
                ok = router.route(frame);
            } else if ((frame.startsWith(EVENT_PREFIX) || frame.startsWith(EVENT_PREFIX_COMPACT))
                    && (router.idle() || !frame.contains("\"request.cancel\""))) {
                return members.deliver(solo, frame); // the hot path: one client, an event
            } else if (!router.idle()) {
                ok = router.route(frame); // a server request is open: cancels, answers and re-offers are the router's
            } else {
                FrameHead h = frame.head();
                String key = h.shape() == FrameHead.Shape.ID_FIRST && !(v1 && "method".equals(h.next())) ? h.idText(frame.asciiView()) : null;
                if (key == null || key.indexOf('\\') >= 0) {
                    ok = router.route(frame); // a server request, an event written otherwise, an id that needs the parser
                } else {
                    IdMux.Pending p = ids.take(key);
                    if (router.plain(p)) {
                        return toSolo(solo, frame, h, p);
                    }
                    ok = router.answer(frame, key, p, h.idStart(), h.idEnd(), true);
                }
            }
        }
        flushOutbox();
        return ok;
    }

    /**
     * The fast path of an answer while one client is attached and no server request is open: to the caller, its
     * id spliced back when the call was renumbered (a call made while another client was attached), nothing else
     * read or written. {@code p} is the call it answers (null: one nobody here made, which goes to the
     * participants, that is to the solo member). Caller holds the monitor.
     */
    private boolean toSolo(Member solo, WireFrame frame, FrameHead h, IdMux.Pending p) {
        if (p == null) {
            return members.deliver(solo, frame);
        }
        Member m = p.member;
        if (m == null || m.left) {
            return true; // its client left
        }
        return members.deliver(m, p.original == null || h.idStart() < 0 ? frame : frame.splice(h.idStart(), h.idEnd(), p.original));
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
        for (ClientSink s : members.pacing()) {
            // A participant that stays stuck is cut off by its sink; the agent then carries on for the others.
            all &= s.awaitWritable(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return all;
    }

    @Override
    public boolean whenWritable(Runnable callback) {
        for (ClientSink s : members.pacing()) {
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
        return members.eventLoop();
    }

    @Override
    public void agentClosed(AgentExit e) {
        List<ClientSink> live;
        boolean wasParked;
        synchronized (this) {
            exit = e;
            live = members.connectedSinks();
            wasParked = members.parked() != null;
        }
        live.forEach(s -> s.agentClosed(e));
        if (wasParked) {
            registry.exitedWhileParked(this, e);
        }
    }

    // ---- clients -> agent ----------------------------------------------------------------------------------

    synchronized Frame view(Member m, Frame f) {
        return router.view(m, f);
    }

    /**
     * Returns the method of the open request {@code f} answers, or null: a bare response frame answers the request of
     * its id; a settling call ({@link Router#SETTLING}: {@code request.answer}, {@code approval.respond},
     * {@code clarify.lock}) answers the requests it names.
     */
    synchronized String requestMethod(Frame f) {
        return router.requestMethod(f);
    }

    Member.Sent fromClient(Member m, Frame f) {
        String text;
        boolean secret;
        AgentLink l;
        synchronized (this) {
            l = link;
            if (m.left || l == null) {
                return Member.Sent.AGENT_BUSY;
            }
            if (m == members.solo() && f.isCall() && !Router.routedCall(f.method()) && !ids.full(m, f)) {
                // The fast path: one client, a call that only needs its id registered (so that the answer finds its
                // caller, and a client that joins meanwhile cannot take the id over).
                IdMux.Registered r = ids.register(m, f, f.method());
                text = r.renumbered() ? f.withId(r.key()) : f.text();
                secret = false;
            } else {
                text = router.fromClient(m, f);
                if (text == null) {
                    return router.verdict;
                }
                secret = router.secret;
            }
        }
        flushOutbox();
        WireFrame out = WireFrame.of(text);
        boolean ok = secret ? l.sendPrivate(out) : l.send(out);
        return ok ? Member.Sent.OK : Member.Sent.AGENT_BUSY;
    }

    Member.Left leave(Member m, List<WireFrame> unsent, boolean mayPark) {
        Member.Left result;
        synchronized (this) {
            result = members.leave(m, unsent, mayPark, router);
        }
        if (result == Member.Left.PARKED) {
            return result;
        }
        flushOutbox();
        if (result == Member.Left.STOPPED) {
            end(mayPark ? "its last participant left" : "its client left");
        }
        return result;
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------

    /** Stops the agent for good (idempotent): viewers still watching are told and closed (1001). */
    public void end(String why) {
        AgentLink l;
        Runnable r;
        List<Member> live;
        synchronized (this) {
            if (ended) {
                return;
            }
            members.tellViewers("agent_stopped", "the agent was stopped (" + why + ")", "warn", true);
            ended = true;
            router.endAll();
            l = link;
            r = onEnd;
            live = members.endAll();
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
        List<Connection> close;
        synchronized (this) {
            close = members.ofShare(shareId);
        }
        close.forEach(c -> c.close(code, reason));
        return close.size();
    }

    /** Returns what {@code GET /front/agents} shows of this agent. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(id, owner, members.parked() != null, ended, startedAtMillis, router.snapshot(), members.snapshot());
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
