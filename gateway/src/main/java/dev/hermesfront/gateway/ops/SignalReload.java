package dev.hermesfront.gateway.ops;

import dev.hermesfront.bridge.threads.Threads;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Reloads on SIGHUP (nginx's convention; {@code systemctl reload} sends it). Uses {@code sun.misc.Signal}
 * from the {@code jdk.unsupported} module, the only way a Java program can catch a signal; it is exported to
 * every class-path program and kept stable by the JDK for this use. The reload runs on its own thread
 * ({@code reload}), never on the JVM's signal thread; a SIGHUP arriving while one runs queues at most one
 * more. Where the signal is unavailable (not POSIX), {@code POST /front/reload} still works. A SIGHUP that was
 * already ignored when the JVM started (under {@code nohup}) stays ignored, whatever handler is installed: the
 * front says so once, at start, and points at {@code POST /front/reload}.
 */
public final class SignalReload implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SignalReload.class.getName());

    /** Said once at start when SIGHUP was ignored before the front started. */
    static final String IGNORED = "SIGHUP was ignored when the front started (nohup, or a supervisor that ignores it), so "
            + "kill -HUP will not reload; use POST /front/reload with an admin credential, or start the front without nohup";

    private final ExecutorService runner;

    private SignalReload(ExecutorService runner) {
        this.runner = runner;
    }

    /** Installs the SIGHUP handler; {@code reload} runs on the {@code reload} thread. */
    public static SignalReload install(Runnable reload) {
        ExecutorService runner = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1), Threads.single("reload"),
                new ThreadPoolExecutor.DiscardPolicy());
        try {
            sun.misc.SignalHandler before = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                try {
                    runner.execute(reload);
                } catch (RejectedExecutionException e) {
                    LOG.log(System.Logger.Level.DEBUG, "SIGHUP ignored: shutting down");
                }
            });
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                // The JVM keeps an ignored SIGHUP ignored (nohup, some supervisors): the handler is not installed.
                LOG.log(System.Logger.Level.WARNING, IGNORED);
            }
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.INFO, "SIGHUP is not available here ({0}); use POST /front/reload", e.getMessage());
        }
        return new SignalReload(runner);
    }

    @Override
    public void close() {
        runner.shutdownNow();
    }
}
