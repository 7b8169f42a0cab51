package dev.hermesfront.gateway.upstream;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.gateway.ws.raw.RawWsConnection;
import dev.hermesfront.gateway.ws.raw.WsFrames;
import dev.hermesfront.protocol.WireFrame;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One client's connection to an upstream {@code /api/ws} (a dashboard, or a peer's front), dialled by
 * {@link WsClient} and framed by our own code ({@link RawWsConnection}), not Undertow's WebSocket channel.
 *
 * <p>Upstream to client: a read round's text messages are handed to the client's sink together, each a
 * {@link WireFrame} of the bytes as they arrived (one copy out of the pooled read buffer, nothing decoded; UTF-8
 * checked once as they are read, 1007 to the upstream otherwise), on the IO thread that read them; binary messages
 * are dropped (the wire is text only, tui-wire.md §8.1). When the sink is above its high-water mark after a round,
 * reads from the upstream are suspended and resumed once the sink has room again, so the upstream is read only as
 * fast as the client reads and the backlog stays in kernel socket buffers. No thread waits: the sink's
 * writable-again callback ({@link ClientSink#whenWritable}) resumes reads.
 *
 * <p>Client to upstream: frames wait in a queue bounded in bytes ({@link #MAX_PENDING_BYTES}) until the socket is
 * open, then are handed to the connection in order, which masks each into a copy and writes what is queued in one
 * gathering write; its own queue is bounded by the same number.
 *
 * <p>Endings: the upstream closing, failing, breaking the protocol (a message over the size limit is closed 1009)
 * or never answering ends the client with 1011 after the frames already queued for it
 * ({@link ClientSink#agentClosed}); the client leaving closes the upstream with 1000.
 */
final class WsRelayLink implements AgentLink, RawWsConnection.Listener {
    private static final System.Logger LOG = System.getLogger(WsRelayLink.class.getName());
    /** The client's reason for an upgrade answered with another status ({@link WsClient}'s message). */
    private static final Pattern UPGRADE_STATUS = Pattern.compile("answered with HTTP (\\d{3})");
    /** Bytes of client frames held for the upstream, at most (one larger frame may always wait alone). */
    static final long MAX_PENDING_BYTES = 64L << 20;
    /** Time an upstream may take to answer our close before its connection is dropped. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final String display;
    private final ClientSink sink;
    private final long maxMessageBytes;
    private final long maxPendingBytes;
    private final Consumer<WsRelayLink> onGone;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean reported = new AtomicBoolean();
    /** Frames sent before the upstream was open; handed to it once it is. Guarded by this. */
    private final ArrayDeque<WireFrame> pending = new ArrayDeque<>();
    private final Runnable resumeReceives = this::resume;
    private long pendingBytes;
    private volatile boolean again;
    private RawWsConnection channel;

    WsRelayLink(String display, ClientSink sink, long maxMessageBytes, Consumer<WsRelayLink> onGone) {
        this(display, sink, maxMessageBytes, MAX_PENDING_BYTES, onGone);
    }

    WsRelayLink(String display, ClientSink sink, long maxMessageBytes, long maxPendingBytes, Consumer<WsRelayLink> onGone) {
        this.display = display;
        this.sink = sink;
        this.maxMessageBytes = maxMessageBytes;
        this.maxPendingBytes = maxPendingBytes;
        this.onGone = onGone;
    }

    /** Called with the dial's outcome: the upgraded connection, or the failure, which ends the client with 1011 ({@link #refusal}). */
    void dialled(RawWsConnection ch, Throwable failure) {
        if (failure != null) {
            String why = rootMessage(failure);
            LOG.log(System.Logger.Level.WARNING, "upstream {0} unavailable: {1}", display, why);
            gone(new AgentExit(-1, refusal(why)));
            return;
        }
        synchronized (this) {
            channel = ch;
            if (!closing.get()) {
                // In order, before any frame sent from now on (those go straight to the connection, under this lock);
                // they are written by a task on the IO thread, so after start below.
                for (WireFrame f : pending) {
                    ch.sendText(f);
                }
            }
            pending.clear();
            pendingBytes = 0;
        }
        ch.start(this, maxMessageBytes, maxPendingBytes, CLOSE_GRACE);
        if (closing.get()) {
            ch.close(WsFrames.NORMAL, "client left");
        }
    }

    @Override
    public void onTexts(List<WireFrame> frames) {
        if (closing.get()) {
            return;
        }
        for (WireFrame f : frames) {
            sink.send(f);
        }
        again = false;
        if (!sink.whenWritable(resumeReceives)) {
            pause();
            if (again) {
                // The client made room between the question and the pause (its drain runs on another thread).
                resume();
            }
        }
    }

    /**
     * Stops reading the upstream until the client's queue is below its high-water mark again: the sink's
     * writable-again callback ({@link #resume}) starts reads again. A client that stays full is cut off by its sink
     * after its stall bound, which runs the callback too. No thread waits and nothing polls.
     */
    private void pause() {
        RawWsConnection ch = channel();
        if (ch != null) {
            ch.suspendReads();
        }
    }

    /** Reads the upstream again (on its IO thread). A second call is harmless. */
    private void resume() {
        again = true;
        RawWsConnection ch = channel();
        if (ch != null) {
            ch.resumeReads();
        }
    }

    private synchronized RawWsConnection channel() {
        return channel;
    }

    @Override
    public boolean send(WireFrame frame) {
        synchronized (this) {
            if (closing.get() || reported.get()) {
                return false;
            }
            if (channel != null) {
                return channel.sendText(frame);
            }
            if (pendingBytes + frame.length() > maxPendingBytes && !pending.isEmpty()) {
                return false;
            }
            pending.addLast(frame);
            pendingBytes += frame.length();
        }
        return true;
    }

    @Override
    public void onEnd(RawWsConnection.Ending how, int code, String reason) {
        switch (how) {
            case CLOSED_BY_PEER -> gone(new AgentExit(-1, "upstream agent closed the connection (" + code + ")"));
            case FAILED -> {
                LOG.log(System.Logger.Level.WARNING, "upstream {0} failed: {1} ({2})", display, reason, code);
                gone(new AgentExit(-1, "upstream agent connection failed"));
            }
            default -> gone(new AgentExit(-1, "upstream agent closed the connection"));
        }
    }

    private void gone(AgentExit exit) {
        if (!reported.compareAndSet(false, true)) {
            return;
        }
        onGone.accept(this);
        if (!closing.get()) {
            sink.agentClosed(exit);
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        RawWsConnection ch;
        synchronized (this) {
            ch = channel;
            pending.clear();
            pendingBytes = 0;
        }
        if (ch != null) {
            ch.close(WsFrames.NORMAL, "client left");
        }
        onGone.accept(this);
    }

    /**
     * The client's close reason for a failed dial: an upstream that answered the upgrade with an HTTP status (a peer
     * refusing a coordinator's credential without {@code delegate: true} answers 403, a dashboard a wrong token 403)
     * is named with it, so the client can tell a refusal from an upstream that is down.
     */
    static String refusal(String rootMessage) {
        Matcher m = UPGRADE_STATUS.matcher(rootMessage);
        return m.find() ? "upstream refused the connection (HTTP " + m.group(1) + ")" : "upstream agent unavailable";
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @Override
    public String describe() {
        return "upstream " + display;
    }
}
