package dev.hermesfront.gateway.ops;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * A java.util.logging handler that never blocks the thread that logs: records go to a bounded queue
 * ({@link #DEFAULT_CAPACITY}) drained by one daemon thread ({@code log-writer}) that formats and writes
 * them to the stream. When the queue is full the record is dropped and counted; the count is written as
 * its own line once there is room again. Replaces the synchronous {@code ConsoleHandler}, whose lock
 * showed up on the WebSocket connect path under load (issue 14). Thread-safe.
 */
public final class AsyncLogHandler extends Handler {
    /** Records queued at most: about 2 MB of typical lines. */
    public static final int DEFAULT_CAPACITY = 8192;
    private static final LogRecord FLUSH = new LogRecord(java.util.logging.Level.OFF, "");

    private final BlockingQueue<LogRecord> queue;
    private final PrintStream out;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private final Object flushed = new Object();
    private long flushRequests;
    private long flushesDone;

    /** Starts a handler writing to {@code out} through a queue of {@code capacity} records. */
    public AsyncLogHandler(PrintStream out, int capacity, Formatter formatter) {
        this.out = out;
        this.queue = new ArrayBlockingQueue<>(capacity);
        setFormatter(formatter);
        writer = new Thread(this::drain, "log-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null || !isLoggable(record)) {
            return;
        }
        // The message is formatted later, on the writer thread: callers pass immutable parameters (strings, numbers).
        if (!queue.offer(record)) {
            dropped.incrementAndGet();
        }
    }

    /** Returns records dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Waits (at most 2 s) until what was queued before this call is written. */
    @Override
    public void flush() {
        long ticket;
        synchronized (flushed) {
            ticket = ++flushRequests;
        }
        if (!queue.offer(FLUSH)) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        synchronized (flushed) {
            while (flushesDone < ticket) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(flushed, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        flush();
        writer.interrupt();
    }

    private void drain() {
        List<LogRecord> batch = new ArrayList<>();
        long reported = 0;
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, 255);
            int flushes = 0;
            StringBuilder text = new StringBuilder(batch.size() * 120);
            for (LogRecord r : batch) {
                if (r == FLUSH) {
                    flushes++;
                    continue;
                }
                try {
                    text.append(getFormatter().format(r));
                } catch (RuntimeException e) {
                    reportError("log record could not be formatted", e, ErrorManager.FORMAT_FAILURE);
                }
            }
            long d = dropped.get();
            if (d != reported) {
                LogRecord note = new LogRecord(java.util.logging.Level.WARNING, (d - reported) + " log records dropped: the log queue was full");
                note.setLoggerName(AsyncLogHandler.class.getName());
                text.append(getFormatter().format(note));
                reported = d;
            }
            out.print(text);
            out.flush();
            batch.clear();
            if (flushes > 0) {
                synchronized (flushed) {
                    flushesDone += flushes;
                    flushed.notifyAll();
                }
            }
        }
    }
}
