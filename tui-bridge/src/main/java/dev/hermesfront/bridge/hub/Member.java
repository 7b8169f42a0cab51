package dev.hermesfront.bridge.hub;

import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.WireFrame;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One client of a shared agent ({@link AgentHub}), as the endpoint holds it. An owner's member outlives its
 * connection while the agent is parked: the next connection that comes back takes it over, with its
 * sessions, its outstanding calls and the frames buffered for it. Every field is guarded by the hub's monitor.
 */
public final class Member {
    /** What {@link #send} did with a client frame. */
    public enum Sent {
        /** Handed to the agent. */
        OK,
        /** The agent did not take it (stopped, or its input queue is full): the client should be closed 1013. */
        AGENT_BUSY,
        /**
         * An answer to a server→client request that was not sent to this client (a bare response, or a settling call
         * such as {@code request.answer}): dropped, never forwarded.
         */
        NOT_YOURS
    }

    /** What {@link #leave} did. */
    public enum Left {
        /** The client was one of several; the agent runs on for the others. */
        LEFT,
        /** The client was the last participant: the agent is parked for it. */
        PARKED,
        /** The client was the last participant and the agent could not be parked: it was stopped. */
        STOPPED
    }

    final AgentHub hub;
    final int number;
    String name;
    /** Volatile so that {@link #view} can skip the hub's monitor for everyone but viewers (a viewer's role never changes). */
    volatile Role role;
    String shareId;
    ClientSink sink;
    Connection connection;
    /** True while the member's sink is its parking buffer (its connection left, the agent is parked for it). */
    boolean parked;
    boolean left;
    /** True once it attached to an agent that was already running (a re-attach or a join). */
    boolean joined;
    boolean announce;
    boolean readySent;
    boolean reattached;
    /** Advertised {@code client.capabilities {"server_requests": true}} (tui-wire-current.md §4.2). */
    boolean serverRequests;
    /** A viewer's welcome notice, sent after the answer to its first session call. */
    String welcome;
    final Set<String> sessions = new HashSet<>();
    final List<String> afterReady = new ArrayList<>();

    Member(AgentHub hub, int number, MemberSpec spec, ClientSink sink, Connection connection) {
        this.hub = hub;
        this.number = number;
        this.name = spec.name();
        this.role = spec.role();
        this.shareId = spec.shareId();
        this.announce = spec.announce();
        this.sink = sink;
        this.connection = connection;
    }

    /** Returns the hub this member is attached to. */
    public AgentHub hub() {
        return hub;
    }

    /** Returns the member's role. */
    public Role role() {
        synchronized (hub) {
            return role;
        }
    }

    /** Returns the credential's name, or {@code share:ID}. */
    public String name() {
        synchronized (hub) {
            return name;
        }
    }

    /**
     * Returns the frame a viewer's call becomes when it only looks at the shared agent's own session: its
     * {@code session.resume} (stored or live id) or {@code session.activate} of a session this agent has live
     * is sent as {@code session.activate} of that live session, which re-binds nothing the agent routes by
     * (all clients share one link) and returns the transcript and the turn in flight. Null when {@code f} is
     * anything else, or the member is not a viewer.
     */
    public Frame view(Frame f) {
        return role == Role.VIEWER ? hub.view(this, f) : null;
    }

    /**
     * Returns the method of the agent's open server-to-client request that {@code f} answers (e.g. {@code approval},
     * {@code display.install.sudo}), or null when {@code f} answers nothing open. An answer is an answer whatever
     * carries it: a bare response frame, or a settling call ({@code request.answer {id}}, {@code approval.respond},
     * {@code clarify.lock}). The caller's policy decides with it what answering needs; {@link #send} then takes the
     * answer only from the client the request went to.
     */
    public String answering(Frame f) {
        return hub.requestMethod(f);
    }

    /** Hands one client frame to the agent (ids multiplexed, answers checked). Never blocks. */
    public Sent send(Frame f) {
        return hub.fromClient(this, f);
    }

    /**
     * Ends this member's connection.
     *
     * @param unsent  frames queued for the client that it never received, oldest first
     * @param mayPark false when the agent must not be parked (it failed, the gateway is shutting down)
     */
    public Left leave(List<WireFrame> unsent, boolean mayPark) {
        return hub.leave(this, unsent, mayPark);
    }

    /** Adds frames to send right after this member's ready frame (at once if that was sent already). */
    public void sendAfterReady(List<String> frames) {
        hub.sendAfterReady(this, frames);
    }

    @Override
    public String toString() {
        return "member " + number + " (" + role.label() + ")";
    }
}
