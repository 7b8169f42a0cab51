package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.protocol.WireFrame;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Frames on their way to one client: a queue bounded in bytes, handed to the WebSocket in order by
 * one thread at a time, with up to {@link #MAX_IN_FLIGHT_FRAMES} frames / {@link #MAX_IN_FLIGHT_BYTES}
 * bytes given to the socket and not yet completed. Each frame is written as the bytes it arrived as, a text
 * frame on the client's connection ({@link ClientConnection}): nothing is encoded here. Several frames in flight let Undertow write them
 * with one gathering {@code writev} instead of one syscall and one completion round trip per frame; no
 * frame waits for company (it is handed on at once when the window has room). Completions arrive in
 * send order, so the oldest in-flight frame is the one a completion is for. Never blocks an IO thread:
 * {@link #send} only enqueues; {@link #awaitWritable} is for agent reader threads.
 *
 * <p>Bounds, each closing the client with 1013 at once and keeping the frames it never got for
 * {@link #closed} (the agent is then parked with them):
 * <ul>
 *   <li>above {@code highWater} queued bytes the client is "not writable": producers that call
 *       {@link #awaitWritable} wait, those that asked {@link #whenWritable} are called back once it drains;
 *       a client that stays above it for {@code stall} is closed (checked on each send, and by a timer while
 *       someone waits for the callback, so a paced link that stopped sending cannot leave it stuck);</li>
 *   <li>above {@code limit} queued bytes;</li>
 *   <li>when the gateway's {@link MemoryBudget} is exceeded and this client holds more than its share.</li>
 * </ul>
 * A close requested with {@link #closeAfterDrain} happens after queued frames are sent, so a client always
 * gets the agent's last words before the 1011.
 */
final class OutboundQueue implements ClientSink, SendHandler {
    private static final System.Logger LOG = System.getLogger(OutboundQueue.class.getName());
    /** Frames handed to the socket and not yet completed, at most (64: a 50-frame burst leaves in one gathering write; docs/benchmarks.md). */
    static final int MAX_IN_FLIGHT_FRAMES = 64;
    /** Bytes handed to the socket and not yet completed, at most (one larger frame may always go alone). */
    static final long MAX_IN_FLIGHT_BYTES = 64 * 1024;

    /** Where the frames go: the WebSocket session, or a fake in tests. */
    interface Wire {
        /** Returns the session id, for logs. */
        String id();

        /** Starts an asynchronous send of {@code frame} as one text frame; {@code handler} is called once it completed. */
        void sendText(WireFrame frame, SendHandler handler);

        /** Closes the connection. */
        void close(CloseReason reason) throws IOException;

        /** Returns the IO thread that writes this connection, or null. */
        default Executor eventLoop() {
            return null;
        }
    }

    private final Wire wire;
    private final long highWater;
    private final long limit;
    private final Duration stall;
    private final MemoryBudget.Account account;
    private final ScheduledExecutorService timers;
    private final LongSupplier nanoClock;
    private final ChannelMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final ArrayDeque<WireFrame> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** Frames handed to the socket, oldest first, until their completion; kept so {@link #closed} can return them. */
    private final ArrayDeque<WireFrame> inFlight = new ArrayDeque<>();
    private long inFlightBytes;
    /** Set while one thread hands frames to the socket; keeps them in order and completions from recursing. */
    private boolean handing;
    private boolean closed;
    private CloseReason closeAfterDrain;
    /** When the queue went above the high-water mark (nanos), or 0 while it is not above it. */
    private long aboveSince;
    private final List<Runnable> writable = new ArrayList<>(1);
    private ScheduledFuture<?> stallCheck;

    /**
     * @param account this client's share of the gateway's memory budget
     * @param timers  runs the stall check while a paced link waits for "writable again" (null: none, tests)
     * @param metrics hears of frames handed to the socket and of agents paced by this client
     */
    OutboundQueue(Wire wire, long highWater, long limit, Duration stall, MemoryBudget.Account account, ScheduledExecutorService timers,
                  LongSupplier nanoClock, ChannelMetrics metrics) {
        this.metrics = metrics;
        this.wire = wire;
        this.stall = stall;
        this.highWater = highWater;
        this.limit = limit;
        this.account = account;
        this.timers = timers;
        this.nanoClock = nanoClock;
    }

    @Override
    public boolean send(WireFrame frame) {
        CloseReason cut = null;
        lock.lock();
        try {
            if (closed || closeAfterDrain != null) {
                return false;
            }
            if (queuedBytes + frame.length() > limit && !queue.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "client {0} is not reading ({1,number,#} bytes queued); closing it", wire.id(), queuedBytes);
                cut = reason(CloseCodes.OVERLOADED, "client not reading fast enough");
            } else if (aboveSince != 0 && nanoClock.getAsLong() - aboveSince > stall.toNanos()) {
                LOG.log(System.Logger.Level.WARNING, "client {0} read nothing for {1,number,#} ms; closing it", wire.id(), stall.toMillis());
                cut = reason(CloseCodes.OVERLOADED, "client not reading");
            } else if (!account.reserve(MemoryBudget.cost(frame))) {
                LOG.log(System.Logger.Level.WARNING, "client {0} holds more than its share of the memory budget; closing it", wire.id());
                cut = reason(CloseCodes.OVERLOADED, "gateway memory budget exceeded; client not reading fast enough");
            } else {
                queue.addLast(frame);
                queuedBytes += frame.length();
                if (queuedBytes > highWater && aboveSince == 0) {
                    aboveSince = nanoClock.getAsLong();
                }
            }
        } finally {
            lock.unlock();
        }
        if (cut != null) {
            abort(cut);
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
        List<Runnable> run;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            drained.signalAll();
            run = takeCallbacks();
        } finally {
            lock.unlock();
        }
        closeSession(reason);
        run.forEach(Runnable::run);
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
            if (queuedBytes > highWater && !closed && closeAfterDrain == null) {
                metrics.paced();
            }
            while (queuedBytes > highWater && !closed && closeAfterDrain == null) {
                if (nanos <= 0) {
                    break;
                }
                nanos = drained.awaitNanos(nanos);
            }
            if (closed || closeAfterDrain != null) {
                return false;
            }
            if (queuedBytes <= highWater) {
                return true;
            }
        } finally {
            lock.unlock();
        }
        if (!timeout.isZero()) {
            LOG.log(System.Logger.Level.WARNING, "client {0} read nothing for {1,number,#} ms; closing it", wire.id(), timeout.toMillis());
            abort(reason(CloseCodes.OVERLOADED, "client not reading"));
        }
        return false;
    }

    @Override
    public boolean whenWritable(Runnable callback) {
        lock.lock();
        try {
            if (closed || queuedBytes <= highWater) {
                return true;
            }
            metrics.paced();
            writable.add(callback);
            if (stallCheck == null && timers != null) {
                long left = Math.max(0, stall.toNanos() - (nanoClock.getAsLong() - aboveSince));
                stallCheck = timers.schedule(this::checkStall, left + TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.NANOSECONDS);
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Closes the client when it has been above the high-water mark for the stall bound; otherwise checks again later. */
    void checkStall() {
        boolean cut = false;
        lock.lock();
        try {
            stallCheck = null;
            if (closed || aboveSince == 0) {
                return;
            }
            long above = nanoClock.getAsLong() - aboveSince;
            if (above > stall.toNanos()) {
                cut = true;
            } else if (!writable.isEmpty() && timers != null) {
                stallCheck = timers.schedule(this::checkStall, stall.toNanos() - above + TimeUnit.MILLISECONDS.toNanos(10),
                        TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
        }
        if (cut) {
            LOG.log(System.Logger.Level.WARNING, "client {0} read nothing for {1,number,#} ms; closing it", wire.id(), stall.toMillis());
            abort(reason(CloseCodes.OVERLOADED, "client not reading"));
        }
    }

    @Override
    public Executor eventLoop() {
        return wire.eventLoop();
    }

    @Override
    public void agentClosed(AgentExit exit) {
        closeAfterDrain(new CloseReason(CloseReason.CloseCodes.getCloseCode(CloseCodes.AGENT_FAILURE), exit.reason()));
    }

    /** Closes the session once queued frames are sent. */
    void closeAfterDrain(CloseReason reason) {
        List<Runnable> run;
        lock.lock();
        try {
            if (closed || closeAfterDrain != null) {
                return;
            }
            closeAfterDrain = reason;
            run = takeCallbacks();
        } finally {
            lock.unlock();
        }
        run.forEach(Runnable::run);
        pump();
    }

    /**
     * Marks the queue dead after the session closed and wakes waiting producers.
     *
     * <p>Called off the IO thread (the endpoint's close callback runs on a worker), it first lets the connection's IO
     * thread run what it has queued: Undertow reports a written frame by a task on that thread, so a frame that
     * reached the client before it closed is known to be complete, and is not handed back (and replayed twice).
     *
     * @return the frames that were never handed to the socket, or never reported written, oldest first
     */
    List<WireFrame> closed() {
        awaitIoThread();
        List<Runnable> run;
        List<WireFrame> unsent;
        lock.lock();
        try {
            closed = true;
            // Frames handed over but never completed did not reach the client: they go first.
            unsent = new ArrayList<>(inFlight.size() + queue.size());
            unsent.addAll(inFlight);
            unsent.addAll(queue);
            inFlight.clear();
            inFlightBytes = 0;
            queue.clear();
            queuedBytes = 0;
            aboveSince = 0;
            account.close();
            if (stallCheck != null) {
                stallCheck.cancel(false);
                stallCheck = null;
            }
            drained.signalAll();
            run = takeCallbacks();
        } finally {
            lock.unlock();
        }
        run.forEach(Runnable::run);
        return unsent;
    }

    /** Waits (at most a second) until the connection's IO thread ran the tasks queued before this call. */
    private void awaitIoThread() {
        Executor loop = wire.eventLoop();
        if (loop == null || loop == Thread.currentThread()) {
            return;
        }
        CountDownLatch barrier = new CountDownLatch(1);
        try {
            loop.execute(barrier::countDown);
            if (!barrier.await(1, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.DEBUG, "client {0}: IO thread busy; taking its unsent frames as they are", wire.id());
            }
        } catch (RejectedExecutionException e) {
            // The worker is shutting down: nothing more will complete.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns the bytes waiting to be sent. */
    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the lock. */
    private List<Runnable> takeCallbacks() {
        if (writable.isEmpty()) {
            return List.of();
        }
        List<Runnable> r = new ArrayList<>(writable);
        writable.clear();
        return r;
    }

    private void pump() {
        while (true) {
            WireFrame next;
            CloseReason close = null;
            List<Runnable> run = List.of();
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
                        || inFlightBytes + next.length() > MAX_IN_FLIGHT_BYTES)) {
                    return; // window full: a completion calls pump again
                } else {
                    queue.pollFirst();
                    queuedBytes -= next.length();
                    inFlight.addLast(next);
                    inFlightBytes += next.length();
                    handing = true;
                    if (queuedBytes <= highWater) {
                        aboveSince = 0;
                        drained.signalAll();
                        run = takeCallbacks();
                    }
                }
            } finally {
                lock.unlock();
            }
            if (close != null) {
                closeSession(close);
                return;
            }
            // Writable again: a paced link asks for its next frame now (the callback never blocks).
            if (!run.isEmpty()) {
                run.forEach(Runnable::run); // not on an empty list: its iterator is an allocation per frame
            }
            metrics.frameOut(next.length());
            try {
                wire.sendText(next, this);
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
            WireFrame done = inFlight.pollFirst();
            if (done != null) {
                inFlightBytes -= done.length();
            }
            if (!result.isOK()) {
                closed = true; // keep the queue: closed() hands it to the parking buffer
                if (done != null) {
                    inFlight.addFirst(done); // it did not reach the client either
                    inFlightBytes += done.length();
                }
                drained.signalAll();
            } else if (done != null) {
                account.release(MemoryBudget.cost(done));
            }
        } finally {
            lock.unlock();
        }
        if (result.isOK()) {
            pump();
        } else {
            LOG.log(System.Logger.Level.DEBUG, "send to client {0} failed: {1}", wire.id(),
                    result.getException() == null ? "?" : result.getException().getMessage());
        }
    }

    private void closeSession(CloseReason reason) {
        try {
            wire.close(reason);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "close of client {0} failed: {1}", wire.id(), e.getMessage());
        }
    }
}
