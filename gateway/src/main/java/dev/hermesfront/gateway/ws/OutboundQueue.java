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
 * {@code limit} the client is closed with 1013. A close requested while frames are queued happens
 * after they are sent, so a client always gets the agent's last words before the 1011.
 */
final class OutboundQueue implements ClientSink, SendHandler {
    private static final System.Logger LOG = System.getLogger(OutboundQueue.class.getName());
    /** Per queue: set while this thread runs {@link #pump}, so inline completions do not recurse. */
    private final ThreadLocal<Boolean> pumping = ThreadLocal.withInitial(() -> false);

    private final Session session;
    private final long highWater;
    private final long limit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private long queuedChars;
    private boolean inFlight;
    private boolean closed;
    private CloseReason closeAfterDrain;

    OutboundQueue(Session session, long highWater, long limit) {
        this.session = session;
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
                LOG.log(System.Logger.Level.WARNING, "client {0} is not reading ({1} chars queued); closing it",
                        session.getId(), queuedChars);
                queue.clear();
                queuedChars = 0;
                closeAfterDrain = new CloseReason(CloseReason.CloseCodes.getCloseCode(CloseCodes.OVERLOADED),
                        "client not reading fast enough");
                drained.signalAll();
            } else {
                queue.addLast(frame);
                queuedChars += frame.length();
            }
        } finally {
            lock.unlock();
        }
        pump();
        return true;
    }

    @Override
    public boolean awaitWritable(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (queuedChars > highWater && !closed && closeAfterDrain == null) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = drained.awaitNanos(nanos);
            }
            return !closed && closeAfterDrain == null;
        } finally {
            lock.unlock();
        }
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
                closed = true;
                queue.clear();
                queuedChars = 0;
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
