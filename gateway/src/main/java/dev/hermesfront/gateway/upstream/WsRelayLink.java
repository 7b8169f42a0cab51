package dev.hermesfront.gateway.upstream;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.protocol.WireFrame;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xnio.IoUtils;
import org.xnio.Pooled;

/**
 * One client's connection to an upstream {@code /api/ws} (a dashboard, or a peer's front), on Undertow's
 * WebSocket client ({@link WsClient}), on the upgraded channel itself (no Jakarta session).
 *
 * <p>Upstream to client: each text message is read as the bytes it arrived as (Undertow's frame channel checks
 * that they are UTF-8 while they are read, and closes 1007 otherwise) and handed to the client's sink as a
 * {@link WireFrame}, one copy out of the pooled buffers and nothing decoded, on the IO thread that read it; binary
 * messages are dropped (the wire is text only, tui-wire.md §8.1). When the sink is above its high-water mark after
 * a frame, reads from the upstream are suspended ({@code suspendReceives}) and resumed once the sink has room
 * again, so the upstream is read only as fast as the client reads and the backlog stays in kernel socket buffers.
 * No thread waits: the sink's writable-again callback ({@link ClientSink#whenWritable}) resumes reads.
 *
 * <p>Client to upstream: frames wait in a queue bounded in bytes ({@link #MAX_PENDING_BYTES}) until the socket is
 * open, then go one asynchronous send at a time, in order, each as a text frame of its bytes (a copy: the client
 * masks what it writes in place).
 *
 * <p>Endings: the upstream closing, failing or never answering ends the client with 1011 after the frames
 * already queued for it ({@link ClientSink#agentClosed}); the client leaving closes the upstream with 1000.
 */
final class WsRelayLink extends AbstractReceiveListener implements AgentLink {
    private static final System.Logger LOG = System.getLogger(WsRelayLink.class.getName());
    /** Undertow's message for an upgrade answered with another status. */
    private static final Pattern UPGRADE_STATUS = Pattern.compile("Invalid response code (\\d{3})");
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
    private final ArrayDeque<WireFrame> pending = new ArrayDeque<>();
    private final WebSocketCallback<Void> sent = new WebSocketCallback<>() {
        @Override
        public void complete(WebSocketChannel c, Void context) {
            sent(null);
        }

        @Override
        public void onError(WebSocketChannel c, Void context, Throwable throwable) {
            sent(throwable);
        }
    };
    private final Runnable resumeReceives = this::resumeOnIoThread;
    private long pendingBytes;
    private boolean sending;
    private volatile boolean again;
    private WebSocketChannel channel;

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

    /** Called with the dial's outcome: the upgraded channel, or the failure, which ends the client with 1011 ({@link #refusal}). */
    void dialled(WebSocketChannel ch, Throwable failure) {
        if (failure != null) {
            String why = rootMessage(failure);
            LOG.log(System.Logger.Level.WARNING, "upstream {0} unavailable: {1}", display, why);
            gone(new AgentExit(-1, refusal(why)));
            return;
        }
        ch.addCloseTask(c -> gone(new AgentExit(-1, "upstream agent closed the connection")));
        ch.getReceiveSetter().set(this);
        synchronized (this) {
            channel = ch;
        }
        if (closing.get()) {
            closeUpstream(ch);
            return;
        }
        ch.resumeReceives();
        pump();
    }

    @Override
    protected void onText(WebSocketChannel ch, StreamSourceFrameChannel message) {
        BufferedBinaryMessage m = new BufferedBinaryMessage(maxMessageBytes, true);
        m.read(message, new WebSocketCallback<>() {
            @Override
            public void complete(WebSocketChannel c, BufferedBinaryMessage done) {
                Pooled<ByteBuffer[]> data = done.getData();
                WireFrame frame;
                try {
                    frame = WireFrame.ofUtf8(data.getResource());
                } finally {
                    data.free();
                }
                onMessage(frame);
            }

            @Override
            public void onError(WebSocketChannel c, BufferedBinaryMessage context, Throwable throwable) {
                WsRelayLink.this.onError(c, throwable);
            }
        });
    }

    /** A binary message (dropped: the wire is text only) is held no larger than a text message may be. */
    @Override
    protected long getMaxBinaryBufferSize() {
        return maxMessageBytes;
    }

    void onMessage(WireFrame frame) {
        if (closing.get()) {
            return;
        }
        sink.send(frame);
        again = false;
        if (!sink.whenWritable(resumeReceives)) {
            pause();
            if (again) {
                // The client made room between the question and the pause (its drain runs on another thread).
                resumeOnIoThread();
            }
        }
    }

    /**
     * Stops reading the upstream until the client's queue is below its high-water mark again: the sink's
     * writable-again callback ({@link #resumeOnIoThread}) starts reads again. A client that stays full is cut off
     * by its sink after its stall bound, which runs the callback too. No thread waits and nothing polls.
     */
    private void pause() {
        WebSocketChannel ch = channel();
        if (ch != null) {
            ch.suspendReceives();
        }
    }

    /** Reads the upstream again, on its IO thread. A second call is harmless. */
    private void resumeOnIoThread() {
        again = true;
        WebSocketChannel ch = channel();
        if (ch != null) {
            ch.getIoThread().execute(ch::resumeReceives);
        }
    }

    private synchronized WebSocketChannel channel() {
        return channel;
    }

    @Override
    public boolean send(WireFrame frame) {
        synchronized (this) {
            if (closing.get() || reported.get()) {
                return false;
            }
            if (pendingBytes + frame.length() > maxPendingBytes && !pending.isEmpty()) {
                return false;
            }
            pending.addLast(frame);
            pendingBytes += frame.length();
        }
        pump();
        return true;
    }

    private void pump() {
        WireFrame next;
        WebSocketChannel ch;
        synchronized (this) {
            if (sending || channel == null || pending.isEmpty() || closing.get()) {
                return;
            }
            next = pending.pollFirst();
            pendingBytes -= next.length();
            sending = true;
            ch = channel;
        }
        try {
            WebSockets.sendText(ByteBuffer.wrap(next.copyBytes()), ch, sent);
        } catch (RuntimeException e) {
            sent(e);
        }
    }

    private void sent(Throwable failure) {
        synchronized (this) {
            sending = false;
        }
        if (failure == null) {
            pump();
        } else {
            LOG.log(System.Logger.Level.DEBUG, "send to upstream {0} failed: {1}", display, failure.toString());
            gone(new AgentExit(-1, "upstream agent connection failed"));
        }
    }

    @Override
    protected void onCloseMessage(CloseMessage cm, WebSocketChannel ch) {
        gone(new AgentExit(-1, "upstream agent closed the connection (" + cm.getCode() + ")"));
    }

    @Override
    protected void onError(WebSocketChannel ch, Throwable error) {
        LOG.log(System.Logger.Level.WARNING, "upstream {0} failed: {1}", display, rootMessage(error));
        gone(new AgentExit(-1, "upstream agent connection failed"));
        IoUtils.safeClose(ch);
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
        WebSocketChannel ch;
        synchronized (this) {
            ch = channel;
            pending.clear();
            pendingBytes = 0;
        }
        if (ch != null) {
            closeUpstream(ch);
        }
        onGone.accept(this);
    }

    private static void closeUpstream(WebSocketChannel ch) {
        try {
            WebSockets.sendClose(new CloseMessage(CloseMessage.NORMAL_CLOSURE, "client left"), ch, null);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "close of upstream failed: {0}", e.toString());
        }
        // An upstream that never answers our close frame is dropped after a grace period.
        ch.getIoThread().executeAfter(() -> IoUtils.safeClose(ch), CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
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
