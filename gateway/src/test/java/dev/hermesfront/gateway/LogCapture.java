package dev.hermesfront.gateway;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Collects the log records of one test: everything the root logger passes (WARNING and up in tests, the
 * Undertow ERRORs included) plus the DEBUG lines of the given loggers, which are lowered to FINE for the
 * test and kept off the console. Close it to restore the loggers.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger root = Logger.getLogger("");
    private final List<Logger> lowered;
    private final List<Level> levels;

    public LogCapture(String... debugLoggers) {
        setLevel(Level.ALL);
        root.addHandler(this);
        lowered = java.util.Arrays.stream(debugLoggers).map(Logger::getLogger).collect(Collectors.toList());
        levels = lowered.stream().map(Logger::getLevel).collect(Collectors.toList());
        for (Logger l : lowered) {
            l.setLevel(Level.FINE);
            l.setUseParentHandlers(false);
            l.addHandler(this);
        }
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
        synchronized (this) {
            notifyAll();
        }
    }

    /** Waits up to {@code timeout} for a record containing {@code text}; fails the test if none came. */
    public synchronized void await(String text, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (containing(text).isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no log line containing '" + text + "' within " + timeout + ":\n" + dump());
            }
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Returns the records at {@code level} or above. */
    public List<LogRecord> atLeast(Level level) {
        return records.stream().filter(r -> r.getLevel().intValue() >= level.intValue()).collect(Collectors.toList());
    }

    /** Returns all records whose formatted message contains {@code text}. */
    public List<LogRecord> containing(String text) {
        return records.stream().filter(r -> message(r).contains(text)).collect(Collectors.toList());
    }

    /** Returns the records that carry a stack trace. */
    public List<LogRecord> withStackTrace() {
        return records.stream().filter(r -> r.getThrown() != null).collect(Collectors.toList());
    }

    /** Returns every record, one line each, for assertion messages. */
    public String dump() {
        return records.stream().map(r -> r.getLevel() + " [" + r.getLoggerName() + "] " + message(r)
                + (r.getThrown() != null ? " (" + r.getThrown() + ")" : "")).collect(Collectors.joining("\n"));
    }

    /** Returns the record's message with its parameters filled in. */
    public static String message(LogRecord r) {
        return new java.util.logging.SimpleFormatter().formatMessage(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        root.removeHandler(this);
        for (int i = 0; i < lowered.size(); i++) {
            lowered.get(i).removeHandler(this);
            lowered.get(i).setLevel(levels.get(i));
            lowered.get(i).setUseParentHandlers(true);
        }
    }
}
