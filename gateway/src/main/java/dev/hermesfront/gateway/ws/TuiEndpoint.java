package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.park.Attachment;
import dev.hermesfront.bridge.park.ParkingLot;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.policy.Decision;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.policy.Scope;
import dev.hermesfront.protocol.ErrorCodes;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import io.undertow.websockets.jsr.UndertowSession;
import jakarta.websocket.PongMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * The {@code /api/ws} endpoint: one agent link per connection, frames passed through untouched
 * (tui-wire.md §8).
 *
 * <p>Per connection: the token is checked first (close 4401 when wrong, before any agent starts);
 * each text message is classified, protocol errors are answered here exactly as the agent would
 * ({@code -32700}, {@code -32600}, {@code -32602}; the connection stays open), whitespace-only
 * messages are ignored, everything else goes to the agent unchanged. Binary messages close 1003,
 * oversized ones 1009, an agent exit closes 1011 after its last frames are delivered.
 *
 * <p>Callbacks run on worker threads ({@code setDispatchToWorkerThread(true)}), never IO threads.
 */
public final class TuiEndpoint extends Endpoint {
    private static final System.Logger LOG = System.getLogger(TuiEndpoint.class.getName());

    private final TuiChannel ch;
    private volatile Identity who;
    private volatile String peer = "?";
    private final List<ScheduledFuture<?>> scheduled = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Attachment attachment;
    private volatile OutboundQueue outbound;
    /** Set when this connection's agent failed (no ready in time): stop it rather than park it. */
    private volatile boolean agentFailed;
    private volatile long lastPongNanos = System.nanoTime();

    TuiEndpoint(TuiChannel ch) {
        this.ch = ch;
    }

    @Override
    public void onOpen(Session session, EndpointConfig endpointConfig) {
        ch.metrics().connected();
        session.setMaxIdleTimeout(0);
        session.setMaxTextMessageBufferSize(ch.config().limits().maxMessageBytes());
        session.setMaxBinaryMessageBufferSize(ch.config().limits().maxMessageBytes());
        peer = peerAddress(session);
        Optional<Identity> identity = identity(session);
        if (identity.isEmpty()) {
            // Refused (and counted towards lockout, and audited) by the handshake's authentication step.
            LOG.log(System.Logger.Level.DEBUG, "refused /api/ws connection {0}: missing or wrong credential", session.getId());
            close(session, CloseCodes.UNAUTHORIZED, "unauthorized: missing or invalid token");
            return;
        }
        who = identity.get();
        String peerName = session.getPathParameters().get("name");
        AgentLauncher agents = ch.launcher();
        String principal = who.name();
        if (peerName != null) {
            // /ch.peers()/NAME/api/ws: the same endpoint, relaying to that peer's /api/ws; parked per peer.
            Optional<AgentLauncher> relay = ch.peers().launcher(peerName);
            if (relay.isEmpty()) {
                close(session, CloseCodes.UNKNOWN_PEER, "no peer named '" + peerName + "' with a token credential");
                return;
            }
            String refusal = ch.peers().refusal(peerName);
            if (refusal != null) {
                close(session, CloseCodes.OVERLOADED, refusal.length() > 120 ? refusal.substring(0, 120) : refusal);
                return;
            }
            agents = relay.get();
            principal = principal + "@peer:" + peerName;
        }
        OutboundQueue out = new OutboundQueue(session, ch.config().limits().outboundHighWater(), ch.config().limits().outboundLimit(),
                ch.config().tui().clientStall(), ch.metrics());
        Optional<Attachment> back = ch.lot().take(principal, single(session, "resume"));
        Attachment a;
        if (back.isPresent()) {
            a = back.get();
            int replayed = a.attach(out, true);
            LOG.log(System.Logger.Level.DEBUG, "client {0} re-attached to parked {1} ({2,number,#} buffered frames replayed)",
                    session.getId(), a.agent().describe(), replayed);
        } else {
            AdmissionControl.Verdict v = ch.admission().tryStart(principal);
            if (v != AdmissionControl.Verdict.OK) {
                LOG.log(System.Logger.Level.WARNING, "refused a new agent for {0}: {1}", principal, v);
                ch.metrics().agentRefused(v == AdmissionControl.Verdict.SPAWN_RATE ? "spawn_rate" : "max_agents");
                close(session, CloseCodes.OVERLOADED, v == AdmissionControl.Verdict.SPAWN_RATE
                        ? "too many new agents for this credential; retry in a few seconds"
                        : "too many agents on this gateway; retry later");
                return;
            }
            a = ch.lot().newAttachment(principal);
            a.attach(out, session.getRequestParameterMap().containsKey("resume"));
            try {
                a.link(agents.open(a), ch.admission()::release);
            } catch (IOException | RuntimeException e) {
                ch.admission().release();
                ch.metrics().agentRefused("start_failed");
                LOG.log(System.Logger.Level.WARNING, "agent failed to start: {0}", e.getMessage());
                close(session, CloseCodes.AGENT_FAILURE, "agent failed to start");
                return;
            }
            LOG.log(System.Logger.Level.DEBUG, "client {0} attached to {1}", session.getId(), a.agent().describe());
        }
        ch.metrics().attached(back.isPresent());
        ch.guard().audit().event("ws_connect").with("credential", who.name()).with("peer_route", peerName).with("peer", peer).with("scope", who.scope().label())
                .with("outcome", back.isPresent() ? "reattached" : "accepted").write();
        a.sendAfterReady(ch.lot().takeNotices(principal));
        outbound = out;
        attachment = a;
        if (!a.ready()) {
            long ms = ch.config().tui().readyTimeout().toMillis();
            scheduled.add(ch.timers().schedule(() -> {
                if (!a.ready() && session.isOpen()) {
                    LOG.log(System.Logger.Level.WARNING, "{0} sent no gateway.ready within {1,number,#} ms; giving up", a.agent().describe(), ms);
                    agentFailed = true;
                    out.closeAfterDrain(reason(CloseCodes.AGENT_FAILURE, "agent did not become ready"));
                }
            }, ms, TimeUnit.MILLISECONDS));
        }
        startPings(session, out);
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) this::onText);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) b ->
                out.closeAfterDrain(reason(CloseCodes.UNSUPPORTED_DATA, "binary messages are not supported; send JSON text")));
        ch.registry().add(session, this);
    }

    /** Pings non-loopback clients (and loopback ones when configured); a client silent for two intervals is closed. */
    private void startPings(Session session, OutboundQueue out) {
        long ms = ch.config().tui().pingInterval().toMillis();
        if (ms <= 0 || (!ch.config().tui().pingLoopback() && peerIsLoopback(session))) {
            return;
        }
        session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) p -> lastPongNanos = System.nanoTime());
        scheduled.add(ch.timers().scheduleAtFixedRate(() -> {
            if (!session.isOpen()) {
                return;
            }
            if (System.nanoTime() - lastPongNanos > TimeUnit.MILLISECONDS.toNanos(2 * ms + 1000)) {
                LOG.log(System.Logger.Level.INFO, "client {0} answered no ping for {1,number,#} ms; closing it", session.getId(), 2 * ms);
                out.closeAfterDrain(reason(CloseCodes.GOING_AWAY, "no pong: connection presumed dead"));
                return;
            }
            try {
                session.getAsyncRemote().sendPing(ByteBuffer.wrap(PING));
            } catch (IOException | IllegalStateException e) {
                LOG.log(System.Logger.Level.DEBUG, "ping to {0} failed: {1}", session.getId(), e.getMessage());
            }
        }, ms, ms, TimeUnit.MILLISECONDS));
    }

    private static final byte[] PING = "hermes-front".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static boolean peerIsLoopback(Session session) {
        if (session instanceof UndertowSession us) {
            InetSocketAddress peer = us.getWebSocketChannel().getSourceAddress();
            return peer != null && peer.getAddress() != null && peer.getAddress().isLoopbackAddress();
        }
        return false;
    }

    private static String single(Session session, String name) {
        List<String> v = session.getRequestParameterMap().get(name);
        return v != null && v.size() == 1 && !v.get(0).isEmpty() ? v.get(0) : null;
    }

    /** Returns who the handshake's authentication step found ({@code TuiHandshakeHandler}), if anyone. */
    private static Optional<Identity> identity(Session session) {
        return session.getUserPrincipal() instanceof Identity i ? Optional.of(i) : Optional.empty();
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
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                LOG.log(System.Logger.Level.DEBUG, "client -> {0} {1} {2}", v.frame().kind(), v.frame().method(),
                        v.frame().id() == null ? "" : v.frame().id().json());
            }
            if (!permitted(v.frame())) {
                return;
            }
            Attachment a = attachment;
            if (a != null && !a.agent().send(a.toAgent(v.frame()))) {
                outbound.closeAfterDrain(reason(CloseCodes.OVERLOADED, "agent is not accepting input"));
            }
        } else if (d instanceof Decoded.Invalid inv) {
            // Invalid frames spend the credential's message rate too: answering them is work.
            Decision limit = ch.gate().authorize(who, Scope.READ, Gate.Limit.WS, new Gate.Facts("ws", peer, "(invalid)", null, null));
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
     * reaches the agent.
     */
    private boolean permitted(Frame f) {
        boolean call = f.isCall();
        Scope need = call ? ch.gate().policy().forMethod(f.method()) : ch.gate().policy().forResponse();
        Decision d = ch.gate().authorize(who, need, Gate.Limit.WS, new Gate.Facts("ws", peer, f.method(), null, f.sessionId()));
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

    private static String peerAddress(Session session) {
        if (session instanceof UndertowSession us) {
            InetSocketAddress a = us.getWebSocketChannel().getSourceAddress();
            if (a != null && a.getAddress() != null) {
                return a.getAddress().getHostAddress();
            }
        }
        return "?";
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
        ch.metrics().closed(closeReason.getCloseCode().getCode());
        ch.registry().remove(session);
        scheduled.forEach(f -> f.cancel(false));
        OutboundQueue out = outbound;
        List<String> unsent = out != null ? out.closed() : List.of();
        Attachment a = attachment;
        if (a == null) {
            return;
        }
        int code = closeReason.getCloseCode().getCode();
        if (a.exit() == null && !agentFailed && !ch.registry().shuttingDown() && ch.lot().park(a, unsent)) {
            LOG.log(System.Logger.Level.DEBUG, "client {0} left ({1,number,#}); {2} parked", session.getId(), code, a.agent().describe());
        } else {
            LOG.log(System.Logger.Level.DEBUG, "client {0} left ({1,number,#}); stopping {2}", session.getId(), code, a.agent().describe());
            a.end();
        }
    }

    @Override
    public void onError(Session session, Throwable thr) {
        LOG.log(System.Logger.Level.DEBUG, "client {0}: {1}", session.getId(), thr.toString());
    }

    /** Returns who this connection authenticated as, or null before that. */
    Identity identity() {
        return who;
    }

    /**
     * Closes the connection now because a reload removed (4401: its agent is stopped) or narrowed (4403: its
     * agent is parked for the narrower credential to take back) its credential.
     */
    void revoke(CloseReason reason) {
        if (reason.getCloseCode().getCode() == CloseCodes.UNAUTHORIZED) {
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

    private static void close(Session session, int code, String text) {
        try {
            session.close(reason(code, text));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "close failed: {0}", e.getMessage());
        }
    }
}
