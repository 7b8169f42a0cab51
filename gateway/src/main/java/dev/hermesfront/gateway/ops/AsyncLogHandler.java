package dev.hermesfront.gateway.ops;

import dev.hermesfront.gateway.lines.LineWriter;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * A java.util.logging handler that never blocks the thread that logs: records go to the bounded
 * {@link LineWriter} ({@link #DEFAULT_CAPACITY}) whose one daemon thread ({@code log-writer}) formats and writes
 * them to the stream. When the queue is full the record is dropped and counted; the count is written as
 * its own line once there is room again. Replaces the synchronous {@code ConsoleHandler}, whose lock
 * showed up on the WebSocket connect path under load (issue 14). Thread-safe.
 */
public final class AsyncLogHandler extends Handler {
    /** Records queued at most: about 2 MB of typical lines. */
    public static final int DEFAULT_CAPACITY = 8192;
    private static final Duration FLUSH_WAIT = Duration.ofSeconds(2);

    private final PrintStream out;
    private final LineWriter<LogRecord> writer;

    /** Starts a handler writing to {@code out} through a queue of {@code capacity} records. */
    public AsyncLogHandler(PrintStream out, int capacity, Formatter formatter) {
        this.out = out;
        setFormatter(formatter);
        // No loss warning: it would be logged through this very handler. The count is written as a line instead.
        this.writer = LineWriter.start("log-writer", capacity, 256, new LineWriter.Sink<>() {
            @Override
            public int write(List<LogRecord> batch) {
                StringBuilder text = new StringBuilder(batch.size() * 120);
                for (LogRecord r : batch) {
                    try {
                        text.append(getFormatter().format(r));
                    } catch (RuntimeException e) {
                        reportError("log record could not be formatted", e, ErrorManager.FORMAT_FAILURE);
                    }
                }
                AsyncLogHandler.this.out.print(text);
                AsyncLogHandler.this.out.flush();
                return 0;
            }

            @Override
            public boolean dropped(long count) {
                LogRecord note = new LogRecord(java.util.logging.Level.WARNING, count + " log records dropped: the log queue was full");
                note.setLoggerName(AsyncLogHandler.class.getName());
                AsyncLogHandler.this.out.print(getFormatter().format(note));
                AsyncLogHandler.this.out.flush();
                return true;
            }
        }, null);
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null || !isLoggable(record)) {
            return;
        }
        // The message is formatted later, on the writer thread: callers pass immutable parameters (strings, numbers).
        writer.offer(record);
    }

    /** Returns records dropped because the queue was full. */
    public long dropped() {
        return writer.dropped();
    }

    /** Waits (at most 2 s) until what was queued before this call is written. */
    @Override
    public void flush() {
        writer.flush(FLUSH_WAIT);
    }

    @Override
    public void close() {
        writer.close();
    }
}
