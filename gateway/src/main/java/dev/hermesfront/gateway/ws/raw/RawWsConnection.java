package dev.hermesfront.gateway.ws.raw;

import dev.hermesfront.protocol.WireFrame;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.xnio.conduits.ConduitStreamSinkChannel;
import org.xnio.conduits.ConduitStreamSourceChannel;

/**
 * A WebSocket on an upgraded XNIO {@link StreamConnection}, framed by our own code ({@link WsFrameReader},
 * {@link WsFrames}) instead of Undertow's WebSocket channel: no channel object per frame, one read of whatever
 * the socket has, and one gathering write for whatever was queued in an IO round.
 *
 * <p>Reading, on the connection's IO thread: each read round (at most {@link #READS_PER_ROUND} reads into one
 * pooled buffer, returned at the end of the round) is scanned for frames; the text messages it completes are
 * handed to {@link Listener#onTexts} together, once, after the round, so a burst the peer wrote at once is
 * passed on at once. Pings are answered, a close frame is answered and ends the connection, a protocol error
 * closes with its code ({@link WsFrameReader}). Reads can be suspended (backpressure) and resumed from any thread.
 *
 * <p>Writing, from any thread: a frame is framed at once (a client masks it, into a copy; a server writes a small
 * header and the frame's own bytes, no copy), queued, and the queue is written by one task on the IO thread, one
 * gathering {@code write} of everything queued by then: frames queued during one IO round go out together. Text
 * frames are bounded by {@code maxPendingBytes} ({@link #sendText} refuses past it, but a lone frame always
 * fits); control frames are never refused. A socket that takes nothing more is waited for with a write listener;
 * the IO thread never blocks.
 *
 * <p>Mask keys come from {@link ThreadLocalRandom}: only the peer sees them, never the client whose bytes are
 * masked, which is what RFC 6455 §10.3 asks.
 */
public final class RawWsConnection {
    private static final System.Logger LOG = System.getLogger(RawWsConnection.class.getName());
    /** Reads into one pooled buffer per read event, at most, before the frames are handed on. */
    static final int READS_PER_ROUND = 4;
    /** Buffers per gathering write, at most. */
    private static final int GATHER = 64;

    /** How a connection ended. */
    public enum Ending {
        /** The peer sent a close frame (its code and reason). */
        CLOSED_BY_PEER,
        /** We closed it and the peer answered, or did not within the grace period. */
        CLOSED_BY_US,
        /** The connection went without a close frame (EOF, a reset, an IO error). */
        DROPPED,
        /** The peer broke the protocol: we closed with the code given. */
        FAILED
    }

    /** Hears a connection; called on its IO thread. */
    public interface Listener {
        /** The text messages one read round completed, in order. */
        void onTexts(List<WireFrame> frames);

        /** The connection ended; called once. */
        void onEnd(Ending how, int code, String reason);

        /** A binary message came (skipped: the TUI wire is text only). */
        default void onBinary() {
        }

        /** A pong came. */
        default void onPong() {
        }
    }

    /** Hears that a frame was written to the socket ({@code failure} null), or never will be. */
    public interface Written {
        void written(Throwable failure);
    }

    /** The last buffer of a frame and who waits for it. */
    /**
     * Server role: a text frame up to this size is copied behind its header (one buffer and one gathered element per
     * frame); a larger one goes as a header plus its own bytes, uncopied.
     */
    static final int COPY_BELOW = 1024;

    private record Waiter(ByteBuffer last, Written who) {}

    private final StreamConnection connection;
    private final ConduitStreamSourceChannel source;
    private final ConduitStreamSinkChannel sink;
    private final XnioIoThread io;
    private final ByteBufferPool buffers;
    private final boolean client;
    private final Object lock = new Object();
    private final Runnable flushTask = this::flush;
    // Guarded by lock: what waits for the IO thread's next flush.
    private final ArrayDeque<ByteBuffer> queued = new ArrayDeque<>();
    private final ArrayDeque<Waiter> queuedWaiters = new ArrayDeque<>();
    private long pendingBytes;
    private boolean flushScheduled;
    private boolean closeQueued;
    // IO thread only.
    private ByteBuffer leftover;
    private WsFrameReader reader;
    private Listener listener;
    private long maxPendingBytes;
    private final ArrayDeque<ByteBuffer> writing = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private List<WireFrame> round = new ArrayList<>();
    private boolean suspended;
    /** Server role: reads held while the socket takes none of what we wrote (see {@link #readRound}). */
    private boolean heldForWrites;
    private boolean shutAfterFlush;
    private boolean ended;
    private Duration closeGrace = Duration.ofSeconds(5);
    /**
     * The close-grace timer, removed once the socket is closed: a timer left in the IO thread's queue holds this
     * connection and, through its listener, the client's whole graph (hub, queue, link) for the grace period, which
     * under a connect-close storm kept thousands of ended connections alive.
     */
    private XnioExecutor.Key graceTimer;
    private final WsFrameReader.Handler handler = new WsFrameReader.Handler() {
        @Override
        public void text(WireFrame frame) {
            round.add(frame);
        }

        @Override
        public void ping(byte[] payload) {
            control(WsFrames.PONG, payload);
        }

        @Override
        public void binary(long length) {
            deliver();
            if (listener != null && !ended) {
                listener.onBinary();
            }
        }

        @Override
        public void pong(byte[] payload) {
            if (listener != null && !ended) {
                listener.onPong();
            }
        }

        @Override
        public void close(int code, String reason) {
            deliver(); // what came before the close frame first
            peerClosed(code, reason);
        }
    };

    /**
     * Wraps an upgraded connection; nothing is read until {@link #start}.
     *
     * @param client   true when we dialled it (our frames are masked, the peer's must not be)
     * @param leftover bytes read after the upgrade's response (or request), the first frames' (may be empty)
     */
    public RawWsConnection(StreamConnection connection, ByteBufferPool buffers, boolean client, ByteBuffer leftover) {
        this.connection = connection;
        this.source = connection.getSourceChannel();
        this.sink = connection.getSinkChannel();
        this.io = connection.getIoThread();
        this.buffers = buffers;
        this.client = client;
        this.leftover = leftover;
    }

    /** Returns the IO thread that reads and writes this connection. */
    public XnioIoThread ioThread() {
        return io;
    }

    /**
     * Starts reading: frames go to {@code l}. Runs on the IO thread (now when called there).
     *
     * @param maxMessageBytes the largest message the peer may send (1009 past it)
     * @param maxPendingBytes text bytes queued and not yet written, at most
     * @param closeGrace      time the peer has to answer our close frame
     */
    public void start(Listener l, long maxMessageBytes, long maxPendingBytes, Duration closeGrace) {
        onIo(() -> {
            this.listener = l;
            this.reader = new WsFrameReader(!client, maxMessageBytes);
            this.maxPendingBytes = maxPendingBytes;
            this.closeGrace = closeGrace;
            source.getReadSetter().set(c -> readRound());
            sink.getWriteSetter().set(c -> {
                c.suspendWrites();
                flush();
            });
            connection.getCloseSetter().set(c -> {
                if (graceTimer != null) {
                    graceTimer.remove();
                    graceTimer = null;
                }
                end(Ending.DROPPED, WsFrames.ABNORMAL, "connection closed");
                // The closed socket may outlive us (the accept caps forget a closed connection lazily): it must not
                // reach this connection, and through the listener the client's whole graph, through its listeners.
                source.getReadSetter().set(null);
                sink.getWriteSetter().set(null);
                c.getCloseSetter().set(null);
            });
            ByteBuffer first = leftover;
            leftover = null;
            if (first != null && first.hasRemaining()) {
                consume(first, false);
                deliver();
            }
            if (!ended && !suspended) {
                source.resumeReads();
            }
        });
    }

    private void onIo(Runnable r) {
        if (Thread.currentThread() == io) {
            r.run();
        } else {
            io.execute(r);
        }
    }

    private void readRound() {
        if (ended || suspended) {
            source.suspendReads();
            return;
        }
        if (!client && !writing.isEmpty()) {
            // A client that does not read what we write is not read either: every ping it sends would queue a pong,
            // without bound. Reads resume once the socket took our backlog (flush). Not on the client role: an
            // upstream that stops reading while we stop reading it would never move again.
            heldForWrites = true;
            source.suspendReads();
            return;
        }
        try (PooledByteBuffer pooled = buffers.allocate()) {
            ByteBuffer b = pooled.getBuffer();
            for (int i = 0; i < READS_PER_ROUND; i++) {
                b.clear();
                int n;
                try {
                    n = source.read(b);
                } catch (IOException e) {
                    deliver();
                    LOG.log(System.Logger.Level.DEBUG, "read failed: {0}", e.toString());
                    end(Ending.DROPPED, WsFrames.ABNORMAL, "connection failed");
                    return;
                }
                if (n < 0) {
                    consume(null, true);
                    return;
                }
                if (n == 0) {
                    break;
                }
                b.flip();
                if (!consume(b, false) || b.capacity() > n) {
                    break; // the socket had less than a buffer: it is drained
                }
            }
        }
        deliver();
    }

    /** Scans {@code b} for frames; returns false when the connection ended or reads stop. */
    private boolean consume(ByteBuffer b, boolean eof) {
        if (b != null) {
            try {
                reader.feed(b, handler);
            } catch (WsFrameReader.ProtocolException e) {
                deliver();
                fail(e.code(), e.getMessage());
                return false;
            }
        }
        if (eof) {
            deliver();
            end(Ending.DROPPED, WsFrames.ABNORMAL, "connection closed");
            return false;
        }
        return !ended && !suspended && !reader.closed();
    }

    private void deliver() {
        if (round.isEmpty() || listener == null || ended) {
            return;
        }
        List<WireFrame> frames = round;
        round = new ArrayList<>(Math.max(4, frames.size()));
        listener.onTexts(frames);
    }

    /** Stops reading (the listener's client is full); safe from any thread. */
    public void suspendReads() {
        onIo(() -> {
            suspended = true;
            source.suspendReads();
        });
    }

    /** Reads again after {@link #suspendReads}; safe from any thread, a second call is harmless. */
    public void resumeReads() {
        onIo(() -> {
            if (suspended && !ended) {
                suspended = false;
                source.resumeReads();
            }
        });
    }

    /**
     * Queues {@code frame} as one text frame.
     *
     * @return false when the connection is closing or its queue holds {@code maxPendingBytes} already
     */
    public boolean sendText(WireFrame frame) {
        return sendText(frame, null);
    }

    /**
     * As {@link #sendText(WireFrame)}; {@code done} (when not null) hears, on the IO thread, once the frame is written
     * to the socket, or that it never will be (the connection ended first). It is not called when this returns false.
     */
    public boolean sendText(WireFrame frame, Written done) {
        int len = frame.length();
        ByteBuffer head;
        ByteBuffer body;
        if (client) {
            int key = ThreadLocalRandom.current().nextInt();
            int h = WsFrames.headerLength(len, true);
            head = ByteBuffer.allocate(h + len);
            WsFrames.writeHeader(head, true, WsFrames.TEXT, len, true, key);
            frame.copyTo(head);
            WsFrames.mask(head.array(), h, len, key, 0);
            head.flip();
            body = null;
        } else if (len <= COPY_BELOW) {
            // A small frame is copied behind its header: one buffer instead of a header buffer and the payload's wrap
            head = ByteBuffer.allocate(WsFrames.headerLength(len, false) + len);
            WsFrames.writeHeader(head, true, WsFrames.TEXT, len, false, 0);
            frame.copyTo(head);
            head.flip();
            body = null;
        } else {
            head = ByteBuffer.allocate(WsFrames.headerLength(len, false));
            WsFrames.writeHeader(head, true, WsFrames.TEXT, len, false, 0);
            head.flip();
            body = frame.buffer();
        }
        boolean schedule;
        synchronized (lock) {
            if (closeQueued || (pendingBytes > 0 && pendingBytes + len > maxPendingBytes())) {
                return false;
            }
            queued.add(head);
            if (body != null) {
                queued.add(body);
            }
            if (done != null) {
                queuedWaiters.add(new Waiter(body != null && body.hasRemaining() ? body : head, done));
            }
            pendingBytes += len;
            schedule = !flushScheduled;
            flushScheduled = true;
        }
        if (schedule) {
            scheduleFlush();
        }
        return true;
    }

    private void scheduleFlush() {
        try {
            io.execute(flushTask);
        } catch (RejectedExecutionException e) {
            // the worker is stopping: nothing will be written any more
        }
    }

    private long maxPendingBytes() {
        long m = maxPendingBytes;
        return m == 0 ? Long.MAX_VALUE : m;
    }

    /** Returns the text bytes queued or being written. */
    public long pendingBytes() {
        synchronized (lock) {
            return pendingBytes;
        }
    }

    /** Queues a control frame (never refused unless a close is queued). */
    private void control(int opcode, byte[] payload) {
        ByteBuffer f = WsFrames.frame(true, opcode, payload, 0, payload.length, client, client ? ThreadLocalRandom.current().nextInt() : 0);
        boolean schedule;
        synchronized (lock) {
            if (closeQueued) {
                return;
            }
            if (opcode == WsFrames.CLOSE) {
                closeQueued = true;
            }
            queued.add(f);
            schedule = !flushScheduled;
            flushScheduled = true;
        }
        if (schedule) {
            scheduleFlush();
        }
    }

    /** Sends a ping with {@code payload} (at most 125 bytes); safe from any thread. */
    public void ping(byte[] payload) {
        control(WsFrames.PING, payload);
    }

    /**
     * Closes with {@code code} and {@code reason} after the frames queued before: our close frame, then the peer has
     * {@code closeGrace} to answer before the connection is dropped. Safe from any thread; idempotent.
     */
    public void close(int code, String reason) {
        control(WsFrames.CLOSE, WsFrames.closePayload(code, reason));
        onIo(() -> {
            if (!ended) {
                later(() -> end(Ending.CLOSED_BY_US, code, reason));
            }
        });
    }

    /** Drops the connection now, without a close frame. Safe from any thread. */
    public void abort() {
        onIo(() -> end(Ending.CLOSED_BY_US, WsFrames.ABNORMAL, "aborted"));
    }

    private void peerClosed(int code, String reason) {
        boolean answered;
        synchronized (lock) {
            answered = closeQueued;
        }
        if (!answered) {
            control(WsFrames.CLOSE, WsFrames.closePayload(code == WsFrames.NO_STATUS ? WsFrames.NORMAL : code, ""));
        }
        shutAfterFlush = true;
        endOnly(answered ? Ending.CLOSED_BY_US : Ending.CLOSED_BY_PEER, code, reason);
        flush();
    }

    private void fail(int code, String why) {
        LOG.log(System.Logger.Level.DEBUG, "protocol error, closing with {0}: {1}", code, why);
        control(WsFrames.CLOSE, WsFrames.closePayload(code, why));
        shutAfterFlush = true;
        endOnly(Ending.FAILED, code, why);
        flush();
    }

    /** Ends: the listener hears it and the socket is closed now. IO thread. */
    private void end(Ending how, int code, String reason) {
        endOnly(how, code, reason);
        IoUtils.safeClose(connection);
        failWaiters();
    }

    /** The listener hears the end once; the socket closes once our last frames are written. IO thread. */
    private void endOnly(Ending how, int code, String reason) {
        source.suspendReads();
        if (ended) {
            return;
        }
        ended = true;
        synchronized (lock) {
            closeQueued = true;
        }
        if (shutAfterFlush) {
            // closed by flush() once written; a peer that never reads is dropped after the grace period
            later(() -> IoUtils.safeClose(connection));
        }
        if (listener != null) {
            listener.onEnd(how, code, reason);
        }
    }

    /** Runs {@code r} on the IO thread after the close grace period; at once when the thread is stopping. */
    private void later(Runnable r) {
        try {
            if (graceTimer != null) {
                graceTimer.remove(); // the newer deadline closes the socket as well
            }
            graceTimer = io.executeAfter(r, closeGrace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            IoUtils.safeClose(connection);
        }
    }

    /** Writes what is queued, in one gathering write where the socket takes it all. IO thread. */
    private void flush() {
        synchronized (lock) {
            flushScheduled = false;
            writing.addAll(queued);
            queued.clear();
            waiters.addAll(queuedWaiters);
            queuedWaiters.clear();
        }
        ByteBuffer[] batch = new ByteBuffer[Math.min(GATHER, Math.max(1, writing.size()))];
        long written = 0;
        try {
            while (!writing.isEmpty()) {
                int n = 0;
                for (ByteBuffer b : writing) {
                    batch[n++] = b;
                    if (n == batch.length) {
                        break;
                    }
                }
                long w = sink.write(batch, 0, n);
                while (!writing.isEmpty() && !writing.peekFirst().hasRemaining()) {
                    writing.pollFirst();
                }
                written += w;
                if (w == 0) {
                    break;
                }
            }
            if (writing.isEmpty() && !sink.flush()) {
                sink.resumeWrites();
            } else if (!writing.isEmpty()) {
                sink.resumeWrites();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "write failed: {0}", e.toString());
            writing.clear();
            end(Ending.DROPPED, WsFrames.ABNORMAL, "connection failed");
            return;
        } finally {
            java.util.Arrays.fill(batch, null);
            if (written > 0) {
                release(written);
            }
        }
        while (!waiters.isEmpty() && !waiters.peekFirst().last().hasRemaining()) {
            waiters.pollFirst().who().written(null);
        }
        if (writing.isEmpty() && heldForWrites) {
            heldForWrites = false;
            if (!ended && !suspended) {
                source.resumeReads();
            }
        }
        if (writing.isEmpty() && shutAfterFlush) {
            IoUtils.safeClose(connection);
        }
    }

    /** Tells whoever waits for a frame that it will never be written. IO thread. */
    private void failWaiters() {
        List<Waiter> left;
        synchronized (lock) {
            left = new ArrayList<>(waiters);
            left.addAll(queuedWaiters);
            waiters.clear();
            queuedWaiters.clear();
        }
        IOException gone = new IOException("connection closed");
        for (Waiter w : left) {
            w.who().written(gone);
        }
    }

    /** Counts written bytes off the text bound (control frames and headers count too: the bound is approximate by a header a frame). */
    private void release(long written) {
        synchronized (lock) {
            pendingBytes = Math.max(0, pendingBytes - written);
            if (writing.isEmpty() && queued.isEmpty()) {
                pendingBytes = 0;
            }
        }
    }

    @Override
    public String toString() {
        return "ws " + connection.getPeerAddress();
    }
}
