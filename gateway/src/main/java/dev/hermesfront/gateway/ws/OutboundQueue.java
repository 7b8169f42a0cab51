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
 * Frames on their way to one client: a queue bounded in characters with one asynchronous send in
 * flight at a time (the next send starts from the previous one's completion). Never blocks an IO
 * thread: {@link #send} only enqueues; {@link #awaitWritable} is for agent reader threads.
 *
 * <p>Above {@code highWater} queued characters, producers that call {@link #awaitWritable} wait; above
 * {@code limit}, or when a producer waited in vain for room, the client is closed with 1013 at once and the
 * frames it never got are kept for {@link #closed} (the agent is then parked with them). A close requested
 * with {@link #closeAfterDrain} happens after queued frames are sent, so a client always gets the agent's
 * last words before the 1011.
 */
final class OutboundQueue implements ClientSink, SendHandler {
    private static final System.Logger LOG = System.getLogger(OutboundQueue.class.getName());
    /** Per queue: set while this thread runs {@link #pump}, so inline completions do not recurse. */
    private final ThreadLocal<Boolean> pumping = ThreadLocal.withInitial(() -> false);

    private final Session session;
    private final long highWater;
    private final long limit;
    private final Duration stall;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private long queuedChars;
    private boolean inFlight;
    private boolean closed;
    private CloseReason closeAfterDrain;

    OutboundQueue(Session session, long highWater, long limit, Duration stall) {
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
            java.util.List<String> unsent = new java.util.ArrayList<>(queue);
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
        if (pumping.get()) {
            return; // a completion delivered inline during sendText: the outer loop carries on
        }
        pumping.set(true);
        try {
            while (true) {
                String next;
                CloseReason close = null;
                lock.lock();
                try {
                    if (inFlight || closed) {
                        return;
                    }
                    next = queue.pollFirst();
                    if (next == null) {
                        if (closeAfterDrain == null) {
                            return;
                        }
                        close = closeAfterDrain;
                        closed = true;
                    } else {
                        queuedChars -= next.length();
                        inFlight = true;
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
                session.getAsyncRemote().sendText(next, this);
            }
        } finally {
            pumping.set(false);
        }
    }

    @Override
    public void onResult(SendResult result) {
        lock.lock();
        try {
            inFlight = false;
            if (!result.isOK()) {
                closed = true; // keep the queue: closed() hands it to the parking buffer
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
