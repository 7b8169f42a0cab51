package dev.hermesfront.gateway.lines;

import dev.hermesfront.bridge.threads.Threads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The one bounded asynchronous writer of lines (the audit log, the transcripts, the process log): callers
 * {@link #offer} and never block; one named daemon thread takes what is queued in batches and hands each batch to
 * the {@link Sink}, which writes it. An item that cannot be queued (queue full, writer closing) or that the sink could
 * not write is dropped and counted ({@link #dropped()}); after each batch the sink is told how many were lost since
 * it last reported them ({@link Sink#dropped}), so it can write the count as a line of its own, and items the sink
 * could not write are passed, at most once a minute, to the owner's loss warning (which WARNs on its own logger).
 * Thread-safe.
 *
 * @param <T> what one queued item is (a line, a log record, a transcript event)
 */
public final class LineWriter<T> implements AutoCloseable {
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Object STOP = new Object();

    /** Writes batches, on the writer thread only. */
    public interface Sink<T> {
        /** Writes {@code batch} in order; returns how many items of it could not be written. */
        int write(List<T> batch);

        /**
         * Told after a batch that {@code count} items were lost (queue full, or not written) since the last report it
         * accepted; returns true when the count is now reported (e.g. written as a line), false to be told again.
         */
        default boolean dropped(long count) {
            return true;
        }

        /** Called once, after the last batch (close files). */
        default void closed() {}
    }

    private final BlockingQueue<Object> queue;
    private final int batchMax;
    private final Sink<T> sink;
    private final LongConsumer lossWarning;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final Object progress = new Object();
    /** Items accepted by {@link #offer}, and items the writer has handed to the sink (written or lost). */
    private final AtomicLong accepted = new AtomicLong();
    private long done;
    private volatile boolean closing;
    /** Writer thread only. */
    private long lastWarnNanos = System.nanoTime() - WARN_INTERVAL_NANOS;
    private long unwarned;

    private LineWriter(String threadName, int capacity, int batchMax, Sink<T> sink, LongConsumer lossWarning) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchMax = batchMax;
        this.sink = sink;
        this.lossWarning = lossWarning;
        this.writer = Threads.daemon(threadName, this::drain);
        this.writer.start();
    }

    /**
     * Starts a writer thread named {@code threadName} with a queue of {@code capacity} items, handing the sink up to
     * {@code batchMax} items at a time.
     *
     * @param lossWarning told how many items the sink could not write since it was last told, at most once a minute
     *                    (it WARNs, never with the items' content), or null (the process log's own writer must not
     *                    log through itself)
     */
    public static <T> LineWriter<T> start(String threadName, int capacity, int batchMax, Sink<T> sink, LongConsumer lossWarning) {
        return new LineWriter<>(threadName, capacity, batchMax, sink, lossWarning);
    }

    /** Queues {@code item} without blocking; false (and counted) when the queue is full or the writer closing. */
    public boolean offer(T item) {
        if (closing || !queue.offer(item)) {
            dropped.incrementAndGet();
            return false;
        }
        accepted.incrementAndGet();
        return true;
    }

    /** Counts an item the caller could not even make (e.g. a line that failed to render) as dropped. */
    public void lost() {
        dropped.incrementAndGet();
    }

    /** Returns items dropped so far: not queued, or not written. */
    public long dropped() {
        return dropped.get();
    }

    /** Waits (at most {@code bound}) until every item queued before this call was handed to the sink. */
    public void flush(Duration bound) {
        long target = accepted.get();
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (progress) {
            while (done < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(progress, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Stops taking items, writes what is queued and stops the thread (waits at most 5 s). */
    @Override
    public void close() {
        closing = true;
        try {
            queue.offer(STOP, 1, TimeUnit.SECONDS);
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("unchecked")
    private void drain() {
        List<Object> taken = new ArrayList<>();
        List<T> batch = new ArrayList<>();
        long reported = 0;
        try {
            while (true) {
                Object first;
                try {
                    first = queue.poll(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                if (first == null) {
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                taken.add(first);
                queue.drainTo(taken, batchMax - 1);
                boolean stop = false;
                for (Object o : taken) {
                    if (o == STOP) {
                        stop = true;
                    } else {
                        batch.add((T) o);
                    }
                }
                int lost;
                try {
                    lost = batch.isEmpty() ? 0 : sink.write(batch);
                } catch (RuntimeException e) {
                    lost = batch.size();
                }
                if (lost > 0) {
                    dropped.addAndGet(lost);
                    warn(lost);
                }
                long d = dropped.get();
                if (d != reported) {
                    try {
                        if (sink.dropped(d - reported)) {
                            reported = d;
                        }
                    } catch (RuntimeException e) {
                        // told again after the next batch
                    }
                }
                synchronized (progress) {
                    done += batch.size();
                    progress.notifyAll();
                }
                taken.clear();
                batch.clear();
                if (stop || closing && queue.isEmpty()) {
                    return;
                }
            }
        } finally {
            sink.closed();
        }
    }

    private void warn(long lost) {
        if (lossWarning == null) {
            return;
        }
        unwarned += lost;
        long now = System.nanoTime();
        if (now - lastWarnNanos >= WARN_INTERVAL_NANOS) {
            lossWarning.accept(unwarned);
            lastWarnNanos = now;
            unwarned = 0;
        }
    }
}
