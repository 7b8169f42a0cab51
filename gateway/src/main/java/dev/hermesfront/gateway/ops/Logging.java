package dev.hermesfront.gateway.ops;

import dev.hermesfront.gateway.config.ConfigLoader.LogSettings;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The process's logging: one {@link AsyncLogHandler} on the root logger writing to stderr, text or JSON,
 * the libraries' start-up banners (XNIO, JBoss Threads, Undertow's informational {@code UTxxxxx} lines)
 * kept below INFO, and the operator's per-logger levels ({@code log_levels}) over those defaults. When the
 * JVM was given {@code -Djava.util.logging.config.file} (tests do), its handlers are left alone and only
 * the levels are applied. Holds the loggers it configured so java.util.logging cannot forget their levels.
 */
public final class Logging {
    /** Libraries whose INFO lines are banners, not news; WARNING and above still show. */
    static final Map<String, String> QUIET = Map.of("org.xnio", "WARNING", "org.jboss.threads", "WARNING", "io.undertow", "WARNING",
            "org.jboss.logging", "WARNING");
    private static final String TEXT_FORMAT = "%1$tFT%1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n";

    private final Map<String, Logger> held = new java.util.concurrent.ConcurrentHashMap<>();
    private final AsyncLogHandler handler;

    private Logging(AsyncLogHandler handler) {
        this.handler = handler;
    }

    /**
     * Installs the asynchronous handler (text) and the quiet defaults; call first thing in {@code main},
     * before any library logs.
     */
    public static Logging install(PrintStream err) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", TEXT_FORMAT);
        }
        AsyncLogHandler h = null;
        if (System.getProperty("java.util.logging.config.file") == null && System.getProperty("java.util.logging.config.class") == null) {
            Logger root = LogManager.getLogManager().getLogger("");
            for (Handler old : root.getHandlers()) {
                root.removeHandler(old);
            }
            h = new AsyncLogHandler(err, AsyncLogHandler.DEFAULT_CAPACITY, new SimpleFormatter());
            h.setLevel(Level.ALL);
            root.addHandler(h);
        }
        Logging l = new Logging(h);
        l.levels(QUIET);
        return l;
    }

    /** Applies the configured format and levels (over the quiet defaults). */
    public void apply(LogSettings settings) {
        if (handler != null) {
            Formatter f = settings.json() ? new JsonLogFormatter() : new SimpleFormatter();
            handler.setFormatter(f);
        }
        Map<String, String> all = new LinkedHashMap<>(QUIET);
        all.putAll(settings.levels());
        levels(all);
    }

    private void levels(Map<String, String> levels) {
        levels.forEach((name, level) -> {
            Logger l = Logger.getLogger(name);
            l.setLevel(Level.parse(level));
            held.put(name, l);
        });
    }

    /** Returns log records dropped because the queue was full (0 when the JVM's own handlers are in use). */
    public long dropped() {
        return handler == null ? 0 : handler.dropped();
    }

    /** Writes what is queued (bounded wait); for shutdown. */
    public void flush() {
        if (handler != null) {
            handler.flush();
        }
    }
}
