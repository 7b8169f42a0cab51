package dev.hermesfront.bridge.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.park.ParkBuffer;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.protocol.ReadyFrame;
import dev.hermesfront.protocol.WireFrame;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Who is attached to one agent ({@link AgentHub}'s third part, beside the pipe and the {@link Router}): the members,
 * the one that is alone when it is ({@link #solo}, what the pipe's fast path delivers to), the sinks that pace the
 * agent, the ready frame each member gets, and parking: the last participant's seat kept with its frames in a
 * {@link ParkBuffer} until a participant takes it over (docs/sharing.md).
 *
 * <p>Not thread-safe and holds no lock of its own: every method is called with the hub's monitor held (the one lock
 * of an agent: pipe, router and membership share it, so there is no lock order between them). {@link #pacing} is
 * the exception: a volatile array the agent's link reads per frame without the monitor.
 */
final class Membership {
    private static final System.Logger LOG = System.getLogger(Membership.class.getName());

    /** What {@link #join} or {@link #reattach} came to: the member, or why the parked one could not be taken over. */
    record Joined(Member member, String lost) {}

    private final AgentHub hub;
    private final AgentRegistry registry;
    private final ParkingPolicy policy;
    private final MemoryBudget budget;
    private final ObjectMapper mapper;
    private final List<Member> members = new ArrayList<>(2);
    private int memberCount;
    private Member parkedMember;
    /** The one member when it is the only one and participates (connected, cut off or parked), else null. */
    private Member solo;
    /** The sinks that pace the agent (connected participants'), recomputed when membership changes; read per frame. */
    private volatile ClientSink[] pacers = new ClientSink[0];

    Membership(AgentHub hub, AgentRegistry registry, ParkingPolicy policy, MemoryBudget budget, ObjectMapper mapper) {
        this.hub = hub;
        this.registry = registry;
        this.policy = policy;
        this.budget = budget;
        this.mapper = mapper;
    }

    /** Returns the members, oldest first (the hub's monitor guards the list: iterate under it). */
    List<Member> all() {
        return members;
    }

    /** Returns the only member when there is one and it participates, else null: the pipe's fast path delivers to it. */
    Member solo() {
        return solo;
    }

    /** Returns the parked member, or null. */
    Member parked() {
        return parkedMember;
    }

    /** Attaches the first client of a new agent (its owner). */
    Member attach(MemberSpec spec, ClientSink sink, Connection connection) {
        Member m = new Member(hub, ++memberCount, spec, sink, connection);
        members.add(m);
        updateSolo();
        if (hub.ready != null) {
            sendReady(m, 0);
        }
        return m;
    }

    /**
     * Attaches a client to the running agent: a participant that finds it parked takes the parked member over, anyone
     * else joins alongside (and is offered the server requests held for want of a participant).
     */
    Joined join(MemberSpec spec, ClientSink sink, Connection connection, Router router) {
        if (spec.role().participates() && parkedMember != null) {
            return reattach(spec, sink, connection, router);
        }
        Member m = new Member(hub, ++memberCount, spec, sink, connection);
        m.joined = true;
        m.announce = true;
        members.add(m);
        updateSolo();
        if (hub.ready != null) {
            sendReady(m, 0);
        }
        if (m.role == Role.VIEWER) {
            // Shown once the viewer looks at a session: a TUI replaces a notice that comes before its session.
            m.welcome = Notices.sharing(mapper, hub.id(), "viewing", "you are watching an agent of " + hub.owner().credential()
                    + " (read only)" + (parkedMember != null ? "; its owner is away and it is parked" : ""), "info", parkedMember != null);
        } else {
            router.offerHeld(m);
        }
        return new Joined(m, null);
    }

    /** Gives the parked member ({@code parkedMember} is set) to a client that came back, unless its buffer overflowed. */
    Joined reattach(MemberSpec spec, ClientSink sink, Connection connection, Router router) {
        registry.unparked(hub);
        String lost = overflowWhy();
        return lost == null ? new Joined(takeOver(spec, sink, connection, router), null) : new Joined(null, lost);
    }

    /** Returns why the parked member cannot be taken over (its buffer overflowed), or null. */
    private String overflowWhy() {
        return parkedMember != null && ((ParkBuffer) parkedMember.sink).overflowed() ? "more output than the parking buffer holds" : null;
    }

    /** {@code parkedMember} is set. */
    private Member takeOver(MemberSpec spec, ClientSink sink, Connection connection, Router router) {
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
        if (hub.ready != null) {
            sendReady(m, replayed);
        } else {
            m.readySent = false;
        }
        buffer.drainTo(sink);
        buffer.close();
        router.cameBack(m);
        updateSolo();
        tellViewers("agent_reattached", "the agent's owner is back", "info", false);
        if (hub.exit != null) {
            sink.agentClosed(hub.exit);
        }
        LOG.log(System.Logger.Level.DEBUG, "agent {0}: {1} came back ({2,number,#} buffered frames)", hub.id(), m, replayed);
        return m;
    }

    /**
     * Ends member {@code m}'s connection: the last participant's seat is parked (its unsent frames first in its
     * buffer) when it may be; anyone else leaves. {@link Member.Left#STOPPED}: the caller stops the agent.
     */
    Member.Left leave(Member m, List<WireFrame> unsent, boolean mayPark, Router router) {
        if (m.left || m.parked) {
            return Member.Left.LEFT;
        }
        boolean last = m.role.participates() && members.stream().noneMatch(x -> x != m && x.role.participates() && !x.left);
        if (last && mayPark && hub.exit == null && !hub.ended && policy.enabled()) {
            ParkBuffer buffer = m.sink instanceof ParkBuffer limbo ? limbo : newBuffer();
            List<WireFrame> inBuffer = new ArrayList<>(unsent);
            buffer.prepend(unsent);
            m.sink = buffer;
            m.parked = true;
            m.readySent = false;
            parkedMember = m;
            router.parkedFor(m, buffer, inBuffer);
            updateSolo();
            tellViewers("agent_parked", "the agent's owner disconnected; the agent is kept for up to "
                    + policy.window().toSeconds() + " s", "warn", true);
            registry.parked(hub);
            if (buffer.overflowed()) {
                registry.overflowed(hub);
            }
            return Member.Left.PARKED;
        }
        m.left = true;
        members.remove(m);
        if (m.sink instanceof ParkBuffer limbo) {
            limbo.close();
        }
        router.forget(m);
        updateSolo();
        router.left(m);
        return last ? Member.Left.STOPPED : Member.Left.LEFT;
    }

    /** The agent was stopped: closes the parking buffers; returns the members still connected (to close 1001). */
    List<Member> endAll() {
        List<Member> live = new ArrayList<>();
        for (Member m : members) {
            if (m.sink instanceof ParkBuffer b) {
                b.close();
            } else if (!m.left) {
                live.add(m);
            }
        }
        parkedMember = null;
        return live;
    }

    /** Returns the sinks of the members that are connected (neither parked nor gone). */
    List<ClientSink> connectedSinks() {
        List<ClientSink> live = new ArrayList<>();
        for (Member m : members) {
            if (!m.parked && !m.left) {
                live.add(m.sink);
            }
        }
        return live;
    }

    /** Returns the connections of the connected members that came in with share {@code shareId}. */
    List<Connection> ofShare(String shareId) {
        List<Connection> close = new ArrayList<>();
        for (Member m : members) {
            if (shareId.equals(m.shareId) && !m.left && !m.parked) {
                close.add(m.connection);
            }
        }
        return close;
    }

    /** Returns what {@code GET /front/agents} shows of the members. */
    List<AgentHub.Snapshot.Client> snapshot() {
        List<AgentHub.Snapshot.Client> cs = new ArrayList<>();
        for (Member m : members) {
            cs.add(new AgentHub.Snapshot.Client(m.number, m.name, m.role.label(), m.parked));
        }
        return cs;
    }

    /** Returns the frames the parked member would lose now: buffered plus dropped. */
    int lostFrames() {
        if (parkedMember == null || !(parkedMember.sink instanceof ParkBuffer b)) {
            return 0;
        }
        return b.size() + b.dropped();
    }

    /** The agent's ready frame came (it is {@code hub.ready} now): every member that is connected gets it. */
    void readyArrived() {
        for (Member m : members) {
            if (!m.parked) {
                sendReady(m, 0);
            }
        }
    }

    void sendAfterReady(Member m, List<String> frames) {
        if (m.readySent) {
            frames.forEach(f -> deliver(m, WireFrame.of(f)));
        } else {
            m.afterReady.addAll(frames);
        }
    }

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
     * or came to a running agent.
     */
    private String readyFor(Member m, int replayed) {
        if (!m.announce) {
            return hub.ready;
        }
        Map<String, Object> front = new LinkedHashMap<>();
        front.put("resume_id", hub.id());
        front.put("reattached", m.reattached);
        front.put("replayed_frames", replayed);
        front.put("role", m.role.label());
        return ReadyFrame.amend(hub.ready, mapper, false, front);
    }

    /**
     * Hands {@code frame} to {@code m}'s sink. A participant whose sink refuses it (its connection was just cut off or
     * is closing) gets a parking buffer in its place that keeps what follows for the parking that comes next.
     */
    boolean deliver(Member m, WireFrame frame) {
        if (m.left) {
            return false;
        }
        if (m.sink.send(frame)) {
            return true;
        }
        if (!m.parked && m.role.participates() && !(m.sink instanceof ParkBuffer)) {
            ParkBuffer limbo = newBuffer();
            limbo.send(frame);
            m.sink = limbo;
            updateSolo();
        }
        return false;
    }

    boolean deliverAll(WireFrame frame) {
        for (Member m : members) {
            deliver(m, frame);
        }
        return true;
    }

    boolean deliverParticipants(WireFrame frame) {
        for (Member m : members) {
            if (m.role.participates()) {
                deliver(m, frame);
            }
        }
        return true;
    }

    void tellViewers(String event, String text, String level, boolean sticky) {
        WireFrame notice = null;
        for (Member m : members) {
            if (m.role == Role.VIEWER && !m.left) {
                if (notice == null) {
                    notice = WireFrame.of(Notices.sharing(mapper, hub.id(), event, text, level, sticky));
                }
                deliver(m, notice);
            }
        }
    }

    private ParkBuffer newBuffer() {
        return new ParkBuffer(policy, budget.open(), () -> registry.overflowed(hub));
    }

    /** Recomputes what depends on membership: the solo member and the pacing sinks. */
    private void updateSolo() {
        solo = members.size() == 1 && members.get(0).role.participates() ? members.get(0) : null;
        List<ClientSink> r = new ArrayList<>(members.size());
        for (Member m : members) {
            if (m.role.participates() && !m.parked && !m.left) {
                r.add(m.sink);
            }
        }
        pacers = r.toArray(new ClientSink[0]);
    }

    /** Returns the sinks that pace the agent: connected participants'. A slow viewer never holds the agent up. No monitor needed. */
    ClientSink[] pacing() {
        return pacers;
    }

    /** Returns the event loop of the first client (the owner, who starts the agent): its link may read there. */
    Executor eventLoop() {
        return members.isEmpty() ? null : members.get(0).sink.eventLoop();
    }
}
