package dev.hermesfront.gateway.upstream;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.jsr.UndertowSession;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One client's connection to an upstream {@code /api/ws} (a dashboard, or a peer's front), on Undertow's
 * WebSocket client ({@link WsClient}).
 *
 * <p>Upstream to client: each text message is handed to the client's sink as the String Undertow decoded it
 * into (one decode, no further copy), on the IO thread that read it; binary messages are dropped (the wire is
 * text only, tui-wire.md §8.1). When the sink is above its high-water mark after a frame, reads from the
 * upstream are suspended ({@code suspendReceives}) and resumed once the sink has room again, so the upstream
 * is read only as fast as the client reads and the backlog stays in kernel socket buffers. No thread waits: the
 * sink's writable-again callback ({@link ClientSink#whenWritable}) resumes reads.
 *
 * <p>Client to upstream: frames wait in a queue bounded in characters ({@link #MAX_PENDING_CHARS}) until the
 * socket is open, then go one asynchronous send at a time, in order.
 *
 * <p>Endings: the upstream closing, failing or never answering ends the client with 1011 after the frames
 * already queued for it ({@link ClientSink#agentClosed}); the client leaving closes the upstream with 1000.
 */
final class WsRelayLink extends Endpoint implements AgentLink, MessageHandler.Whole<String> {
    private static final System.Logger LOG = System.getLogger(WsRelayLink.class.getName());
    /** Characters of client frames held for the upstream, at most (one larger frame may always wait alone). */
    static final long MAX_PENDING_CHARS = 64L << 20;
    /** Time an upstream may take to answer our close before its connection is dropped. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final String display;
    private final ClientSink sink;
    private final long maxMessageBytes;
    private final long maxPendingChars;
    private final Consumer<WsRelayLink> onGone;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean reported = new AtomicBoolean();
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    private final SendHandler sent = this::sent;
    private long pendingChars;
    private boolean sending;
    private Session session;

    WsRelayLink(String display, ClientSink sink, long maxMessageBytes, Consumer<WsRelayLink> onGone) {
        this(display, sink, maxMessageBytes, MAX_PENDING_CHARS, onGone);
    }

    WsRelayLink(String display, ClientSink sink, long maxMessageBytes, long maxPendingChars, Consumer<WsRelayLink> onGone) {
        this.display = display;
        this.sink = sink;
        this.maxMessageBytes = maxMessageBytes;
        this.maxPendingChars = maxPendingChars;
        this.onGone = onGone;
    }

    /** Called with the dial's outcome; a failed dial ends the client with 1011. */
    void dialled(Session s, Throwable failure) {
        if (failure != null) {
            LOG.log(System.Logger.Level.WARNING, "upstream {0} unavailable: {1}", display, rootMessage(failure));
            gone(new AgentExit(-1, "upstream agent unavailable"));
        }
    }

    @Override
    public void onOpen(Session s, EndpointConfig config) {
        s.setMaxTextMessageBufferSize((int) Math.min(Integer.MAX_VALUE, maxMessageBytes));
        s.setMaxIdleTimeout(0);
        s.addMessageHandler(String.class, this);
        s.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) b -> { });
        synchronized (this) {
            session = s;
        }
        if (closing.get()) {
            closeUpstream(s);
            return;
        }
        pump();
    }

    @Override
    public void onMessage(String frame) {
        if (closing.get()) {
            return;
        }
        sink.send(frame);
        AtomicBoolean again = new AtomicBoolean();
        if (!sink.whenWritable(() -> {
            again.set(true);
            resume();
        })) {
            pause();
            if (again.get()) {
                // The client made room between the question and the pause (its drain runs on another thread).
                resume();
            }
        }
    }

    /**
     * Stops reading the upstream until the client's queue is below its high-water mark again: the sink's
     * writable-again callback ({@link #resume}) starts reads again. A client that stays full is cut off by its
     * sink after its stall bound, which runs the callback too. No thread waits and nothing polls.
     */
    private void pause() {
        WebSocketChannel ch = channel();
        if (ch != null) {
            ch.suspendReceives();
        }
    }

    /** Reads the upstream again, on its IO thread. A second call is harmless. */
    private void resume() {
        WebSocketChannel ch = channel();
        if (ch != null) {
            ch.getIoThread().execute(ch::resumeReceives);
        }
    }

    private WebSocketChannel channel() {
        Session s;
        synchronized (this) {
            s = session;
        }
        return s instanceof UndertowSession us ? us.getWebSocketChannel() : null;
    }

    @Override
    public boolean send(String frame) {
        synchronized (this) {
            if (closing.get() || reported.get()) {
                return false;
            }
            if (pendingChars + frame.length() > maxPendingChars && !pending.isEmpty()) {
                return false;
            }
            pending.addLast(frame);
            pendingChars += frame.length();
        }
        pump();
        return true;
    }

    private void pump() {
        String next;
        Session s;
        synchronized (this) {
            if (sending || session == null || pending.isEmpty() || closing.get()) {
                return;
            }
            next = pending.pollFirst();
            pendingChars -= next.length();
            sending = true;
            s = session;
        }
        try {
            s.getAsyncRemote().sendText(next, sent);
        } catch (RuntimeException e) {
            sent(new SendResult(e));
        }
    }

    private void sent(SendResult result) {
        synchronized (this) {
            sending = false;
        }
        if (result.isOK()) {
            pump();
        } else {
            LOG.log(System.Logger.Level.DEBUG, "send to upstream {0} failed: {1}", display,
                    result.getException() == null ? "?" : result.getException().toString());
            gone(new AgentExit(-1, "upstream agent connection failed"));
        }
    }

    @Override
    public void onClose(Session s, CloseReason reason) {
        gone(new AgentExit(-1, "upstream agent closed the connection (" + reason.getCloseCode().getCode() + ")"));
    }

    @Override
    public void onError(Session s, Throwable error) {
        LOG.log(System.Logger.Level.WARNING, "upstream {0} failed: {1}", display, rootMessage(error));
        gone(new AgentExit(-1, "upstream agent connection failed"));
        if (s instanceof UndertowSession us) {
            us.forceClose();
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
        Session s;
        synchronized (this) {
            s = session;
            pending.clear();
            pendingChars = 0;
        }
        if (s != null) {
            closeUpstream(s);
        }
        onGone.accept(this);
    }

    private static void closeUpstream(Session s) {
        try {
            s.close(new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, "client left"));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "close of upstream failed: {0}", e.toString());
        }
        if (s instanceof UndertowSession us) {
            WebSocketChannel ch = us.getWebSocketChannel();
            // An upstream that never answers our close frame is dropped after a grace period.
            ch.getIoThread().executeAfter(us::forceClose, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
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
