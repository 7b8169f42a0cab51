package dev.hermesfront.bridge;

import dev.hermesfront.protocol.WireFrame;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * One budget for the heap that frames waiting for a client may hold, across every outbound queue and every
 * parking buffer of a gateway (issue 11, item 3). Each queue or buffer holds an {@link Account}; a frame's
 * cost is estimated by {@link #cost} when it is queued and given back when it is sent or dropped.
 *
 * <p>While the total is within the budget nothing happens. Past it, in this order: the oldest parked agent
 * is given up (its owner is told on the next connection), through the {@link #relieveWith relief} the
 * registry installs; while none is parked, a frame for an account that holds more than its share (the
 * budget divided by the open accounts) is refused, and its owner closes that client with 1013. A client that
 * reads keeps a small queue, so it stays under its share and keeps working.
 *
 * <p>Thread-safe: the total is atomic; each account is used by one owner under that owner's lock.
 */
public final class MemoryBudget {
    /** Heap estimated for one queued frame beyond its bytes: the frame, its array and a queue slot. */
    static final long FRAME_OVERHEAD = 64;

    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final AtomicInteger accounts = new AtomicInteger();
    private final AtomicBoolean relieving = new AtomicBoolean();
    private volatile Predicate<Runnable> relief = done -> false;

    /** Creates a budget of {@code bytes}. */
    public MemoryBudget(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("memory budget must be positive");
        }
        this.limit = bytes;
    }

    /** Returns the default budget: a quarter of the maximum heap ({@code -Xmx}). */
    public static long defaultBytes() {
        return Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4);
    }

    /** Returns a budget that is never exceeded in practice (for tests and tools). */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE / 4);
    }

    /**
     * Returns the heap a queued {@code frame} is estimated to hold: its bytes plus overhead. (The same frame always
     * costs the same, so what is reserved for it is what is released.)
     */
    public static long cost(WireFrame frame) {
        return frame.length() + FRAME_OVERHEAD;
    }

    /**
     * Installs what frees memory when the budget is exceeded: given a completion callback, it starts giving up
     * the oldest parked agent and returns true, or returns false when there is none.
     */
    public void relieveWith(Predicate<Runnable> relief) {
        this.relief = relief;
    }

    /** Opens an account for one queue or buffer. */
    public Account open() {
        accounts.incrementAndGet();
        return new Account();
    }

    /** Returns the budget in bytes. */
    public long limit() {
        return limit;
    }

    /** Returns the bytes held now, across all accounts. */
    public long used() {
        return used.get();
    }

    private boolean relieve() {
        if (!relieving.compareAndSet(false, true)) {
            return false;
        }
        boolean started;
        try {
            started = relief.test(() -> relieving.set(false));
        } catch (RuntimeException e) {
            started = false;
        }
        if (!started) {
            relieving.set(false);
        }
        return started;
    }

    /** What one queue or buffer holds. Used by one owner at a time, under the owner's lock. */
    public final class Account {
        private long held;
        private boolean closed;

        private Account() {}

        /**
         * Takes {@code bytes} for a frame. Returns false, taking nothing, when the budget is exceeded, no parked
         * agent is left to give up, and this account already holds more than its share.
         */
        public boolean reserve(long bytes) {
            long total = used.addAndGet(bytes);
            held += bytes;
            if (total <= limit || relieve()) {
                return true;
            }
            if (held > limit / Math.max(1, accounts.get())) {
                used.addAndGet(-bytes);
                held -= bytes;
                return false;
            }
            return true;
        }

        /** Gives {@code bytes} back. */
        public void release(long bytes) {
            long r = Math.min(bytes, held);
            held -= r;
            used.addAndGet(-r);
        }

        /** Returns the bytes this account holds. */
        public long held() {
            return held;
        }

        /** Gives everything back and closes the account; idempotent. */
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            used.addAndGet(-held);
            held = 0;
            accounts.decrementAndGet();
        }
    }
}
