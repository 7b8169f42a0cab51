package dev.hermesfront.gateway.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Writes a repeated refusal or denial to the gateway log once per window, with a count, never once per attempt
 * (issue 21, F9: a client retrying a refused attach in a tight loop wrote 344,000 WARNING lines in three
 * minutes). Lines are grouped by a key the caller chooses (e.g. the principal and the reason): the first of a
 * key is written at once; the next ones within {@code window} are only counted, and the first one after the
 * window is written with {@code (N more like it in the last 60 s)}. A key that falls silent has its count
 * written as {@code ... repeated N more time(s)} by the next call of any key after its window, so no count is
 * lost while the gateway keeps refusing.
 *
 * <p>Bounded: at most {@code maxKeys} keys are tracked; past it every further key is counted under one
 * shared key ({@code other}), whose line says so. Thread-safe (one lock, held only to count; never while
 * logging).
 */
public final class WindowedLog {
    /** The key lines share once {@code maxKeys} keys are tracked. */
    static final String OTHER = "(other)";

    private final System.Logger log;
    private final System.Logger.Level level;
    private final long windowNanos;
    private final LongSupplier nanos;
    private final int maxKeys;
    private final String windowText;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private long lastSweep;

    /** One key: when its window started, how many were not written, and the last message (for the summary). */
    private static final class Entry {
        long start;
        long suppressed;
        String last;
    }

    /**
     * @param window  how long the lines of one key are only counted after one was written
     * @param maxKeys how many keys are tracked at most (the rest share one)
     */
    public WindowedLog(System.Logger log, System.Logger.Level level, Duration window, int maxKeys, LongSupplier nanos) {
        this.log = log;
        this.level = level;
        this.windowNanos = window.toNanos();
        this.nanos = nanos;
        this.maxKeys = Math.max(1, maxKeys);
        this.windowText = window.toSeconds() > 0 ? window.toSeconds() + " s" : window.toMillis() + " ms";
        this.lastSweep = nanos.getAsLong();
    }

    /** A log of {@code level} lines, 60 s windows, 1,024 keys, on the system clock. */
    public static WindowedLog of(System.Logger log, System.Logger.Level level) {
        return new WindowedLog(log, level, Duration.ofSeconds(60), 1024, System::nanoTime);
    }

    /**
     * Writes {@code message} now, or counts it when a line of {@code key} was written within the window.
     *
     * @param key     what makes two lines "the same" (never a secret: it is not written, but keep it small)
     * @param message the line, already formatted
     */
    public void log(String key, String message) {
        if (!log.isLoggable(level)) {
            return;
        }
        long now = nanos.getAsLong();
        String write = null;
        List<String> summaries = List.of();
        synchronized (this) {
            Entry e = entries.get(key);
            String k = key;
            if (e == null && entries.size() >= maxKeys) {
                k = OTHER;
                e = entries.get(OTHER);
            }
            if (e == null || now - e.start >= windowNanos) {
                long before = e == null ? 0 : e.suppressed;
                if (e == null) {
                    if (entries.size() >= maxKeys) {
                        evictOldest();
                    }
                    e = new Entry();
                    entries.put(k, e);
                }
                e.start = now;
                e.suppressed = 0;
                e.last = message;
                write = (k.equals(OTHER) ? message + " (and lines of other clients: too many to tell apart)" : message)
                        + (before > 0 ? " (" + before + " more like it in the last " + windowText + ")" : "");
            } else {
                e.suppressed++;
                e.last = message;
            }
            if (now - lastSweep >= windowNanos) {
                lastSweep = now;
                summaries = sweep(now, k);
            }
        }
        for (String s : summaries) {
            log.log(level, s);
        }
        if (write != null) {
            log.log(level, write);
        }
    }

    /** Removes keys whose window is over; returns the summaries of those that counted lines. */
    private List<String> sweep(long now, String except) {
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Entry> me = it.next();
            Entry e = me.getValue();
            if (me.getKey().equals(except) || now - e.start < windowNanos) {
                continue;
            }
            if (e.suppressed > 0) {
                out.add(e.last + " (repeated " + e.suppressed + " more time(s) in " + windowText + ")");
            }
            it.remove();
        }
        return out;
    }

    private void evictOldest() {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Entry> me = it.next();
            if (!me.getKey().equals(OTHER)) {
                it.remove();
                return;
            }
        }
    }

    /** Returns the keys tracked now (tests). */
    synchronized int tracked() {
        return entries.size();
    }
}
