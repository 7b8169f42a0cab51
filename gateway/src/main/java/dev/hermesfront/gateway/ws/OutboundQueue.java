package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.ClientSink;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Frames on their way to one client: a queue bounded in characters, handed to the WebSocket in order by
 * one thread at a time, with up to {@link #MAX_IN_FLIGHT_FRAMES} frames / {@link #MAX_IN_FLIGHT_CHARS}
 * characters given to the socket and not yet completed. Several frames in flight let Undertow write them
 * with one gathering {@code writev} instead of one syscall and one completion round trip per frame; no
 * frame waits for company (it is handed on at once when the window has room). Completions arrive in
 * send order, so the oldest in-flight frame is the one a completion is for. Never blocks an IO thread:
 * {@link #send} only enqueues; {@link #awaitWritable} is for agent reader threads.
 *
 * <p>Above {@code highWater} queued characters, producers that call {@link #awaitWritable} wait; above
 * {@code limit}, or when a producer waited in vain for room, the client is closed with 1013 at once and the
 * frames it never got are kept for {@link #closed} (the agent is then parked with them). A close requested
 * with {@link #closeAfterDrain} happens after queued frames are sent, so a client always gets the agent's
 * last words before the 1011.
 */
final class OutboundQueue implements ClientSink, SendHandler {
    private static final System.Logger LOG = System.getLogger(OutboundQueue.class.getName());
    /** Frames handed to the socket and not yet completed, at most. */
    static final int MAX_IN_FLIGHT_FRAMES = 32;
    /** Characters handed to the socket and not yet completed, at most (one larger frame may always go alone). */
    static final long MAX_IN_FLIGHT_CHARS = 64 * 1024;

    private final Session session;
    private final long highWater;
    private final long limit;
    private final Duration stall;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private long queuedChars;
    /** Frames handed to the socket, oldest first, until their completion; kept so {@link #closed} can return them. */
    private final ArrayDeque<String> inFlight = new ArrayDeque<>();
    private long inFlightChars;
    /** Set while one thread hands frames to the socket; keeps them in order and completions from recursing. */
    private boolean handing;
    private boolean closed;
    private CloseReason closeAfterDrain;
    private final ChannelMetrics metrics;

    OutboundQueue(Session session, long highWater, long limit, Duration stall) {
        this(session, highWater, limit, stall, ChannelMetrics.NONE);
    }

    OutboundQueue(Session session, long highWater, long limit, Duration stall, ChannelMetrics metrics) {
        this.metrics = metrics;
        this.session = session;
        this.stall = stall;
        this.highWater = highWater;
        this.limit = limit;
    }

    @Override
    public boolean send(String frame) {
        lock.lock();
        try {
            if (closed || closeAfterDrain != null) {
                return false;
            }
            if (queuedChars + frame.length() > limit && !queue.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "client {0} is not reading ({1,number,#} chars queued); closing it",
                        session.getId(), queuedChars);
            } else {
                queue.addLast(frame);
                queuedChars += frame.length();
                frame = null;
            }
        } finally {
            lock.unlock();
        }
        if (frame != null) {
            abort(reason(CloseCodes.OVERLOADED, "client not reading fast enough"));
            return false;
        }
        pump();
        return true;
    }

    /**
     * Closes the client now, without waiting for queued frames (which {@link #closed} hands back so the
     * agent's parking buffer can keep them).
     */
    void abort(CloseReason reason) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            drained.signalAll();
        } finally {
            lock.unlock();
        }
        closeSession(reason);
    }

    private static CloseReason reason(int code, String text) {
        return new CloseReason(CloseReason.CloseCodes.getCloseCode(code), text);
    }

    @Override
    public boolean awaitWritable(Duration timeout) throws InterruptedException {
        timeout = timeout.compareTo(stall) > 0 ? stall : timeout;
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            if (queuedChars > highWater && !closed && closeAfterDrain == null) {
                metrics.paced();
            }
            while (queuedChars > highWater && !closed && closeAfterDrain == null) {
                if (nanos <= 0) {
                    break;
                }
                nanos = drained.awaitNanos(nanos);
            }
            if (closed || closeAfterDrain != null) {
                return false;
            }
            if (queuedChars <= highWater) {
                return true;
            }
        } finally {
            lock.unlock();
        }
        if (!timeout.isZero()) {
            LOG.log(System.Logger.Level.WARNING, "client {0} read nothing for {1,number,#} ms; closing it", session.getId(), timeout.toMillis());
            abort(reason(CloseCodes.OVERLOADED, "client not reading"));
        }
        return false;
    }

    @Override
    public void agentClosed(AgentExit exit) {
        closeAfterDrain(new CloseReason(CloseReason.CloseCodes.getCloseCode(CloseCodes.AGENT_FAILURE), exit.reason()));
    }

    /** Closes the session once queued frames are sent. */
    void closeAfterDrain(CloseReason reason) {
        lock.lock();
        try {
            if (closed || closeAfterDrain != null) {
                return;
            }
            closeAfterDrain = reason;
        } finally {
            lock.unlock();
        }
        pump();
    }

    /**
     * Marks the queue dead after the session closed and wakes waiting producers.
     *
     * @return the frames that were never handed to the socket, oldest first
     */
    java.util.List<String> closed() {
        lock.lock();
        try {
            closed = true;
            // Frames handed over but never completed did not reach the client: they go first.
            java.util.List<String> unsent = new java.util.ArrayList<>(inFlight.size() + queue.size());
            unsent.addAll(inFlight);
            unsent.addAll(queue);
            inFlight.clear();
            inFlightChars = 0;
            queue.clear();
            queuedChars = 0;
            drained.signalAll();
            return unsent;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the characters waiting to be sent. */
    long queuedChars() {
        lock.lock();
        try {
            return queuedChars;
        } finally {
            lock.unlock();
        }
    }

    private void pump() {
        while (true) {
            String next;
            CloseReason close = null;
            lock.lock();
            try {
                if (handing || closed) {
                    return; // the thread that is handing frames over carries on
                }
                next = queue.peekFirst();
                if (next == null) {
                    if (closeAfterDrain == null || !inFlight.isEmpty()) {
                        return;
                    }
                    close = closeAfterDrain;
                    closed = true;
                } else if (!inFlight.isEmpty() && (inFlight.size() >= MAX_IN_FLIGHT_FRAMES
                        || inFlightChars + next.length() > MAX_IN_FLIGHT_CHARS)) {
                    return; // window full: a completion calls pump again
                } else {
                    queue.pollFirst();
                    queuedChars -= next.length();
                    inFlight.addLast(next);
                    inFlightChars += next.length();
                    handing = true;
                    if (queuedChars <= highWater) {
                        drained.signalAll();
                    }
                }
            } finally {
                lock.unlock();
            }
            if (close != null) {
                closeSession(close);
                return;
            }
            metrics.frameOut(next.length());
            try {
                session.getAsyncRemote().sendText(next, this);
            } finally {
                lock.lock();
                try {
                    handing = false;
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    @Override
    public void onResult(SendResult result) {
        lock.lock();
        try {
            String done = inFlight.pollFirst();
            if (done != null) {
                inFlightChars -= done.length();
            }
            if (!result.isOK()) {
                closed = true; // keep the queue: closed() hands it to the parking buffer
                if (done != null) {
                    inFlight.addFirst(done); // it did not reach the client either
                    inFlightChars += done.length();
                }
                drained.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (result.isOK()) {
            pump();
        } else {
            LOG.log(System.Logger.Level.DEBUG, "send to client {0} failed: {1}", session.getId(),
                    result.getException() == null ? "?" : result.getException().getMessage());
        }
    }

    private void closeSession(CloseReason reason) {
        try {
            session.close(reason);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "close of client {0} failed: {1}", session.getId(), e.getMessage());
        }
    }
}
