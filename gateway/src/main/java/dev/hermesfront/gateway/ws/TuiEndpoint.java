package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.hub.AgentHub;
import dev.hermesfront.bridge.hub.Connection;
import dev.hermesfront.bridge.hub.Member;
import dev.hermesfront.bridge.hub.MemberSpec;
import dev.hermesfront.bridge.hub.Owner;
import dev.hermesfront.bridge.hub.ReadyAnnouncer;
import dev.hermesfront.bridge.hub.Role;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.policy.AccessPolicy;
import dev.hermesfront.gateway.policy.Decision;
import dev.hermesfront.gateway.policy.Delegation;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.protocol.ErrorCodes;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.Decoded;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code /api/ws} endpoint: one client of an agent, frames passed through untouched (tui-wire.md §8),
 * several clients per agent when it is shared (docs/sharing.md).
 *
 * <p>Opening is a sequence of four steps, each of which may close the connection: {@link #authenticate}
 * (who is this: a credential, or a share link; 4401 when nobody), {@link #chooseLauncher} (local, or a
 * peer's relay), {@link #attach} (back to a parked agent, join a running one, or start one), then liveness
 * (the ready deadline and pings). Each text message is classified; protocol errors are answered here
 * exactly as the agent would ({@code -32700}, {@code -32600}, {@code -32602}; the connection stays open);
 * {@code gateway.ping} is answered here for a local agent; every other frame passes the one policy check
 * ({@link #permitted}) and goes to the agent's hub. Binary messages close 1003, oversized ones 1009, an
 * agent exit closes 1011 after its last frames are delivered.
 *
 * <p>The logic runs over a {@link ClientConnection}, whatever engine carries it ({@code tui.ws_engine}): as a Jakarta
 * {@code Endpoint} ({@link #onOpen}, {@link #onClose}: {@link JakartaConnection}) or driven by {@link RawTuiUpgrade}
 * ({@link #open}, {@link #closed}: {@link RawClientConnection}). Callbacks run on worker threads
 * ({@code setDispatchToWorkerThread(true)}, or the raw connection's serial dispatch), never IO threads.
 */
public final class TuiEndpoint extends Endpoint {
    private static final System.Logger LOG = System.getLogger(TuiEndpoint.class.getName());
    private static final byte[] PING = "hermes-front".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final String SHARE_PREFIX = "share:";

    private final TuiChannel ch;
    private volatile ClientConnection conn;
    private volatile Caller caller;
    private volatile String peer = "?";
    private final List<ScheduledFuture<?>> scheduled = new CopyOnWriteArrayList<>();
    private volatile Member member;
    private volatile OutboundQueue outbound;
    /** True when the front answers {@code gateway.ping} for this connection's agent (a local link). */
    private volatile boolean answersPings;
    /** Set when this connection's agent failed (no ready in time): stop it rather than park it. */
    private volatile boolean agentFailed;
    private volatile long lastPongNanos = System.nanoTime();
    /**
     * OPENING until {@link #onOpen} finished, then OPEN, CLOSED once {@link #onClose} ran. A connection can be
     * closed while it opens (a re-attach replaying more than the client may hold): whichever of the two comes
     * second does the leaving, exactly once.
     */
    private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger(OPENING);
    private static final int OPENING = 0;
    private static final int OPEN = 1;
    private static final int CLOSED = 2;
    private volatile int closeCode = 1006;

    TuiEndpoint(TuiChannel ch) {
        this.ch = ch;
    }

    /**
     * Who is connecting, as the handshake's one authentication step decided.
     *
     * @param who       the identity: a credential, or a share link ({@code share:ID}, bound to one agent)
     * @param principal what parking is keyed by: the credential's name, plus {@code @peer:NAME} on a peer route
     * @param role      OWNER for a plain connection, PARTICIPANT for {@code ?agent=ID}, the share's role for a link
     * @param agent     the agent to join ({@code ?agent=ID} or the share's), empty to start or take back one's own
     * @param shareId   the share link's id, or null
     */
    record Caller(Identity who, String principal, Role role, Optional<String> agent, String shareId) {
        boolean share() {
            return shareId != null;
        }
    }

    @Override
    public void onOpen(Session session, EndpointConfig endpointConfig) {
        session.setMaxIdleTimeout(0);
        session.setMaxTextMessageBufferSize(ch.config().limits().maxMessageBytes());
        session.setMaxBinaryMessageBufferSize(ch.config().limits().maxMessageBytes());
        open(new JakartaConnection(session));
    }

    /** Opens {@code session}, whatever engine carries it; runs on a worker thread, never an IO thread. */
    void open(ClientConnection session) {
        conn = session;
        ch.metrics().connected();
        peer = peerAddress(session);
        Optional<Caller> c = authenticate(session);
        if (c.isEmpty()) {
            // Refused (and counted towards lockout, and audited) by the handshake's authentication step.
            LOG.log(System.Logger.Level.DEBUG, "refused /api/ws connection {0}: missing or wrong credential", session.id());
            close(session, CloseCodes.UNAUTHORIZED, "unauthorized: missing or invalid token");
            return;
        }
        caller = c.get();
        Optional<AgentLauncher> launcher = chooseLauncher(session);
        if (launcher.isEmpty()) {
            return;
        }
        OutboundQueue out = new OutboundQueue(session, ch.config().limits().outboundHighWater(), ch.config().limits().outboundLimit(),
                ch.config().tui().clientStall(), ch.agents().budget().open(), ch.timers(), System::nanoTime, ch.metrics());
        Member m = attach(session, out, launcher.get());
        if (m == null) {
            out.closed();
            return;
        }
        outbound = out;
        member = m;
        answersPings = m.hub().frontAnswersPings();
        liveness(session, out, m.hub());
        if (!state.compareAndSet(OPENING, OPEN)) {
            leave(session); // closed while it opened
        }
    }

    /**
     * Step 1: turns the handshake into a caller. The identity comes from the gate ({@code TuiHandshakeHandler});
     * a share link's identity is bound to its agent and its role follows from its scope (a viewer holds
     * {@code read}); a credential with {@code ?agent=ID} joins that agent as a participant.
     */
    private Optional<Caller> authenticate(ClientConnection session) {
        if (!(session.principal() instanceof Identity who)) {
            return Optional.empty();
        }
        String peerName = session.pathParameter("name");
        // Keyed by the owner's stable source, never its name: a credential re-added under the same name with another
        // secret is another source, and takes back nothing of the first.
        String key = who.grant().owner().key();
        String principal = peerName == null ? key : key + "@peer:" + peerName;
        if (who.agent().isPresent()) {
            String shareId = who.name().startsWith(SHARE_PREFIX) ? who.name().substring(SHARE_PREFIX.length()) : who.name();
            Role role = who.scope().covers(Scope.CHAT) ? Role.PARTICIPANT : Role.VIEWER;
            return Optional.of(new Caller(who, principal, role, who.agent(), shareId));
        }
        String agent = single(session, "agent");
        if (agent != null) {
            return Optional.of(new Caller(who, principal, Role.PARTICIPANT, Optional.of(agent), null));
        }
        return Optional.of(new Caller(who, principal, Role.OWNER, Optional.empty(), null));
    }

    /** Step 2: the local launcher, or {@code /peers/NAME/api/ws}'s relay to that peer's /api/ws. */
    private Optional<AgentLauncher> chooseLauncher(ClientConnection session) {
        String peerName = session.pathParameter("name");
        if (peerName == null) {
            return Optional.of(ch.launcher());
        }
        // The peer acts as this caller (issue 21, F3), never as the coordinator: the dial names who we relay for.
        Identity who = caller.who();
        Optional<AgentLauncher> relay = ch.gate().effective(who).map(scope -> ch.peers().launcher(peerName, Delegation.header(who, scope)))
                .orElse(Optional.empty());
        if (relay.isEmpty()) {
            close(session, CloseCodes.UNKNOWN_PEER, "no peer named '" + peerName + "' with a credential");
            return Optional.empty();
        }
        String refusal = ch.peers().refusal(peerName);
        if (refusal != null) {
            close(session, CloseCodes.OVERLOADED, refusal.length() > 120 ? refusal.substring(0, 120) : refusal);
            return Optional.empty();
        }
        return relay;
    }

    /**
     * Step 3: joins the agent the caller names, or takes back the caller's parked agent, or starts a new one.
     * Returns null (the connection is closed) when none of that is possible.
     */
    private Member attach(ClientConnection session, OutboundQueue out, AgentLauncher launcher) {
        Caller c = caller;
        boolean announce = session.requestParameters().containsKey("resume");
        Connection conn = (code, text) -> out.closeAfterDrain(reason(code, text));
        if (c.agent().isPresent()) {
            return join(session, out, conn, c, announce);
        }
        Optional<AgentHub> back = ch.agents().takeParked(c.principal(), single(session, "resume"));
        if (back.isPresent()) {
            Member m = back.get().reattach(new MemberSpec(c.who().name(), Role.OWNER, null, announce), out, conn);
            if (m != null) {
                LOG.log(System.Logger.Level.DEBUG, "client {0} re-attached to parked agent {1} ({2})", session.id(), m.hub().id(),
                        m.hub().agent().describe());
                ch.metrics().attached(true);
                audit("reattached", m.hub(), Role.OWNER);
                m.sendAfterReady(ch.agents().takeNotices(c.principal()));
                return m;
            }
        }
        return spawn(session, out, conn, launcher, c, announce);
    }

    private Member join(ClientConnection session, OutboundQueue out, Connection conn, Caller c, boolean announce) {
        String id = c.agent().get();
        AgentHub hub = ch.agents().find(id).orElse(null);
        if (hub == null) {
            auditJoin(c, id, "denied", "no such agent");
            close(session, CloseCodes.UNKNOWN_AGENT, "no such agent: it may have stopped");
            return null;
        }
        if (!c.share() && !hub.owner().source().equals(c.who().grant().owner().key()) && c.who().scope() != Scope.ADMIN) {
            auditJoin(c, id, "denied", "not the owner");
            close(session, CloseCodes.FORBIDDEN, "this agent belongs to another credential");
            return null;
        }
        Member m = hub.join(new MemberSpec(c.who().name(), c.role(), c.shareId(), announce), out, conn);
        if (m == null) {
            auditJoin(c, id, "denied", "agent stopped");
            close(session, CloseCodes.UNKNOWN_AGENT, "no such agent: it may have stopped");
            return null;
        }
        LOG.log(System.Logger.Level.DEBUG, "client {0} joined agent {1} as {2}", session.id(), id, m.role().label());
        auditJoin(c, id, "allowed", null);
        ch.metrics().joined();
        audit("joined", hub, m.role());
        if (!c.share()) {
            m.sendAfterReady(ch.agents().takeNotices(c.principal()));
        }
        return m;
    }

    private Member spawn(ClientConnection session, OutboundQueue out, Connection conn, AgentLauncher launcher, Caller c, boolean announce) {
        String credential = c.who().name();
        AdmissionControl.Verdict v = ch.admission().tryStart(credential, c.who().scope());
        if (v != AdmissionControl.Verdict.OK) {
            ch.admission().refused(c.who().name(), v);
            ch.metrics().agentRefused(switch (v) {
                case SPAWN_RATE -> "spawn_rate";
                case CREDENTIAL_CAP -> "credential_cap";
                default -> "max_agents";
            });
            close(session, CloseCodes.OVERLOADED, switch (v) {
                case SPAWN_RATE -> "too many new agents for this credential; retry in a few seconds";
                case CREDENTIAL_CAP -> "this credential has as many agents as it may; close one first";
                default -> "too many agents on this gateway; retry later";
            });
            return null;
        }
        AgentHub hub = ch.agents().create(new Owner(credential, c.principal(), c.who().grant().owner().key()), launcher.frontAnswersPings());
        Member m = hub.attach(new MemberSpec(credential, Role.OWNER, null, announce), out, conn);
        try {
            AgentLink link = launcher.open(new ReadyAnnouncer(hub, ch.mapper(), launcher.frontAnswersPings(), Map.of()));
            hub.link(link, () -> ch.admission().release(credential));
        } catch (IOException | RuntimeException e) {
            ch.admission().release(credential);
            ch.metrics().agentRefused("start_failed");
            m.leave(List.of(), false);
            LOG.log(System.Logger.Level.WARNING, "agent failed to start: {0}", e.getMessage());
            close(session, CloseCodes.AGENT_FAILURE, "agent failed to start");
            return null;
        }
        LOG.log(System.Logger.Level.DEBUG, "client {0} attached to {1} (agent {2})", session.id(), hub.agent().describe(), hub.id());
        ch.metrics().attached(false);
        audit("accepted", hub, Role.OWNER);
        m.sendAfterReady(ch.agents().takeNotices(c.principal()));
        return m;
    }

    /** Step 4: the ready deadline for a new agent, WebSocket pings, message handlers. */
    private void liveness(ClientConnection session, OutboundQueue out, AgentHub hub) {
        if (!hub.ready()) {
            long ms = ch.config().tui().readyTimeout().toMillis();
            scheduled.add(ch.timers().schedule(() -> {
                if (!hub.ready() && session.isOpen()) {
                    AgentLink l = hub.agent();
                    LOG.log(System.Logger.Level.WARNING, "{0} sent no gateway.ready within {1,number,#} ms; giving up",
                            l == null ? hub.id() : l.describe(), ms);
                    agentFailed = true;
                    out.closeAfterDrain(reason(CloseCodes.AGENT_FAILURE, "agent did not become ready"));
                }
            }, ms, TimeUnit.MILLISECONDS));
        }
        startPings(session, out);
        session.receive(new ClientConnection.Receiver() {
            @Override
            public void text(String text) {
                onText(text);
            }

            @Override
            public void binary() {
                out.closeAfterDrain(reason(CloseCodes.UNSUPPORTED_DATA, "binary messages are not supported; send JSON text"));
            }

            @Override
            public void pong() {
                lastPongNanos = System.nanoTime();
            }
        });
        ch.registry().add(session, this);
    }

    private void audit(String outcome, AgentHub hub, Role role) {
        Caller c = caller;
        String peerName = c.principal().contains("@peer:") ? c.principal().substring(c.principal().indexOf("@peer:") + 6) : null;
        ch.guard().audit().event("ws_connect").with("credential", c.who().name()).with("peer_route", peerName).with("peer", peer)
                .with("scope", c.who().scope().label()).with("agent", hub.id()).with("role", role.label()).with("outcome", outcome).write();
    }

    private void auditJoin(Caller c, String agent, String outcome, String reason) {
        if (c.share()) {
            ch.guard().audit().event("share_used").with("share", c.shareId()).with("agent", agent).with("role", c.role().label())
                    .with("peer", peer).with("outcome", outcome).with("reason", reason).write();
        }
    }

    /** Pings non-loopback clients (and loopback ones when configured); a client silent for two intervals is closed. */
    private void startPings(ClientConnection session, OutboundQueue out) {
        long ms = ch.config().tui().pingInterval().toMillis();
        if (ms <= 0 || (!ch.config().tui().pingLoopback() && peerIsLoopback(session))) {
            return;
        }
        scheduled.add(ch.timers().scheduleAtFixedRate(() -> {
            if (!session.isOpen()) {
                return;
            }
            if (System.nanoTime() - lastPongNanos > TimeUnit.MILLISECONDS.toNanos(2 * ms + 1000)) {
                LOG.log(System.Logger.Level.INFO, "client {0} answered no ping for {1,number,#} ms; closing it", session.id(), 2 * ms);
                out.closeAfterDrain(reason(CloseCodes.GOING_AWAY, "no pong: connection presumed dead"));
                return;
            }
            try {
                session.sendPing(PING);
            } catch (IOException | IllegalStateException e) {
                LOG.log(System.Logger.Level.DEBUG, "ping to {0} failed: {1}", session.id(), e.getMessage());
            }
        }, ms, ms, TimeUnit.MILLISECONDS));
    }

    private static boolean peerIsLoopback(ClientConnection session) {
        InetSocketAddress peer = session.peerAddress();
        return peer != null && peer.getAddress() != null && peer.getAddress().isLoopbackAddress();
    }

    private static String single(ClientConnection session, String name) {
        List<String> v = session.requestParameters().get(name);
        return v != null && v.size() == 1 && !v.get(0).isEmpty() ? v.get(0) : null;
    }

    private void onText(String text) {
        ch.metrics().frameIn(text.length());
        // Undertow checks its buffer limit only at buffer boundaries; this makes the bound exact.
        if ((long) text.length() * 3 > ch.config().limits().maxMessageBytes() && utf8Length(text) > ch.config().limits().maxMessageBytes()) {
            outbound.closeAfterDrain(reason(CloseCodes.TOO_BIG, "message over " + ch.config().limits().maxMessageBytes() + " bytes"));
            return;
        }
        Decoded d = ch.codec().decode(text);
        if (d instanceof Decoded.Valid v) {
            Frame f = v.frame();
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                LOG.log(System.Logger.Level.DEBUG, "client -> {0} {1} {2}", f.kind(), f.method(), f.id() == null ? "" : f.id().json());
            }
            if (answersPings && f.isCall() && "gateway.ping".equals(f.method())) {
                // Answered on the read path, for every scope; a stdio agent would answer -32601 (tui-wire-current.md §3).
                outbound.send("{\"jsonrpc\": \"2.0\", \"result\": {\"ok\": true}, \"id\": " + f.replyId().json() + "}");
                return;
            }
            Member m = member;
            Frame view = m.view(f);
            Frame call = view != null ? view : f;
            if (!permitted(call, view != null, m.answering(call))) {
                return;
            }
            switch (m.send(call)) {
                case OK -> { }
                case AGENT_BUSY -> outbound.closeAfterDrain(reason(CloseCodes.OVERLOADED, "agent is not accepting input"));
                case NOT_YOURS -> {
                    // A bare answer is never echoed: the client gets nothing, the agent never sees it (tui-wire-current.md §5).
                    // A settling call (request.answer, approval.respond) gets its error; the agent never sees it either.
                    LOG.log(System.Logger.Level.DEBUG, "dropped an answer to a request that was not sent to this client");
                    ch.guard().audit().event("ws_answer_refused").with("credential", caller.who().name()).with("peer", peer)
                            .with("agent", m.hub().id()).with("method", call.isCall() ? call.method() : null).with("outcome", "denied")
                            .with("reason", "request not sent to this client").write();
                    if (call.isCall() && call.id() != null) {
                        outbound.send(ProtocolErrors.handlerError(call.replyId(), ErrorCodes.FORBIDDEN, "forbidden: " + call.method()
                                + " answers a request that was not sent to this client"));
                    }
                }
            }
        } else if (d instanceof Decoded.Invalid inv) {
            // Invalid frames spend the credential's message rate too: answering them is work.
            Decision limit = ch.gate().authorize(caller.who(), Scope.READ, Gate.Limit.WS, new Gate.Facts("ws", peer, "(invalid)", null, null));
            if (limit instanceof Decision.Limited) {
                return;
            }
            LOG.log(System.Logger.Level.DEBUG, "answered an invalid client frame ({0})", inv.reason());
            outbound.send(inv.reply());
        }
    }

    /**
     * Asks the gate whether this client may send one frame (the scope table and the credential's message
     * rate). A refused call is answered with a JSON-RPC error keeping its id (tui-wire.md §8.3) and never
     * reaches the agent. A viewer's look at the shared agent's own session ({@link Member#view}) is a read. An
     * answer to an open server-to-client request needs that request's own scope ({@code answering}: admin for
     * {@code display.install.sudo}); an answer to anything else needs the table's {@code responses} scope.
     */
    private boolean permitted(Frame f, boolean view, String answering) {
        boolean call = f.isCall();
        AccessPolicy policy = ch.gate().policy();
        Scope need = view ? Scope.READ : call ? policy.forMethod(f.method())
                : answering != null ? policy.forAnswer(answering) : policy.forResponse();
        if (call && !view && answering != null) {
            // A settling call (request.answer, approval.respond) needs its own scope and the answered request's.
            Scope answer = policy.forAnswer(answering);
            need = answer.covers(need) ? answer : need;
        }
        String what = call || answering == null ? f.method() : "answer:" + answering;
        Decision d = ch.gate().authorize(caller.who(), need, Gate.Limit.WS, new Gate.Facts("ws", peer, what, null, f.sessionId()));
        if (d instanceof Decision.Denied denied && answering != null && !view) {
            ch.guard().audit().event("ws_answer_refused").with("credential", caller.who().name()).with("peer", peer)
                    .with("method", call ? f.method() : null).with("answering", answering).with("outcome", "denied")
                    .with("reason", "needs " + need.label()).write();
        }
        if (d instanceof Decision.Denied denied) {
            if (call) {
                outbound.send(ProtocolErrors.handlerError(f.replyId(), ErrorCodes.FORBIDDEN, "forbidden: " + f.method() + " "
                        + denied.reason()));
            }
            return false;
        }
        if (d instanceof Decision.Limited limited) {
            if (call) {
                outbound.send(ProtocolErrors.handlerError(f.replyId(), ErrorCodes.RATE_LIMITED, "rate limited: too many messages for "
                        + "this credential; retry in " + limited.retryMs() + " ms"));
            }
            return false;
        }
        return true;
    }

    private static String peerAddress(ClientConnection session) {
        InetSocketAddress a = session.peerAddress();
        return a != null && a.getAddress() != null ? a.getAddress().getHostAddress() : "?";
    }

    /** Returns the UTF-8 encoded length of {@code s} without encoding it. */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        closed(closeReason.getCloseCode().getCode());
    }

    /** The connection closed with {@code code}, whatever engine carried it; on a worker thread. */
    void closed(int code) {
        ClientConnection session = conn;
        ch.metrics().closed(code);
        closeCode = code;
        if (state.getAndSet(CLOSED) == OPEN) {
            leave(session);
        } else if (session != null) {
            // Still opening (open leaves when it is done), or refused before it attached.
            ch.registry().remove(session);
        }
    }

    private void leave(ClientConnection session) {
        try {
            scheduled.forEach(f -> f.cancel(false));
            OutboundQueue out = outbound;
            List<WireFrame> unsent = out != null ? out.closed() : List.of();
            Member m = member;
            if (m == null) {
                return;
            }
            int code = closeCode;
            Member.Left left = m.leave(unsent, !agentFailed && !ch.registry().shuttingDown());
            LOG.log(System.Logger.Level.DEBUG, "client {0} left ({1,number,#}); agent {2} {3}", session.id(), code, m.hub().id(),
                    switch (left) {
                        case PARKED -> "parked";
                        case STOPPED -> "stopped";
                        case LEFT -> "runs on for its other clients";
                    });
        } finally {
            // Last: shutdown waits for the registry to empty, so a client's agent is parked or stopped (and its
            // transcript closed) before the launcher and the recorder are.
            ch.registry().remove(session);
        }
    }

    @Override
    public void onError(Session session, Throwable thr) {
        LOG.log(System.Logger.Level.DEBUG, "client {0}: {1}", session.getId(), thr.toString());
    }

    /** Returns who this connection authenticated as, or null before that. */
    Identity identity() {
        Caller c = caller;
        return c == null ? null : c.who();
    }

    /**
     * Closes the connection now because the source of its grant was removed (4401: its own agent is stopped) or
     * narrowed (4403: its agent is parked for the narrower credential to take back), or its share link died.
     */
    void revoke(CloseReason reason) {
        Member m = member;
        Caller c = caller;
        if (reason.getCloseCode().getCode() == CloseCodes.UNAUTHORIZED && (m == null || c == null
                || m.hub().owner().source().equals(c.who().grant().owner().key()))) {
            // Its own agent is not parked for anyone; another's agent it joined parks for its owner as usual.
            agentFailed = true;
        }
        OutboundQueue out = outbound;
        if (out != null) {
            out.abort(reason);
        }
    }

    /** Closes the connection for gateway shutdown (1001) after queued frames. */
    void shutdown() {
        OutboundQueue out = outbound;
        if (out != null) {
            out.closeAfterDrain(reason(CloseCodes.GOING_AWAY, "gateway shutting down"));
        }
    }

    static CloseReason reason(int code, String text) {
        return new CloseReason(CloseReason.CloseCodes.getCloseCode(code), text);
    }

    private static void close(ClientConnection session, int code, String text) {
        try {
            session.close(reason(code, text));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "close failed: {0}", e.getMessage());
        }
    }
}
