package dev.hermesfront.bridge.threads;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one thread factory of the project: every thread is a named daemon whose name says what it does
 * ({@code audit-writer}, {@code hermes-front-timer-3}, {@code agent-in-12}). The gateway's {@code Pools} and the
 * bridge's launchers take their threads from here; a leaf package, so that any package can. Thread-safe.
 */
public final class Threads {
    private Threads() {}

    /** Returns a factory of daemon threads named {@code what-1}, {@code what-2}, …. */
    public static ThreadFactory named(String what) {
        return named(what, 0);
    }

    /**
     * Returns a factory of daemon threads named {@code what-1}, {@code what-2}, … with a stack of {@code stackBytes}
     * (0: the JVM's default).
     */
    public static ThreadFactory named(String what, long stackBytes) {
        AtomicInteger n = new AtomicInteger();
        return r -> daemon(what + "-" + n.incrementAndGet(), stackBytes, r);
    }

    /** Returns a factory of daemon threads all named {@code name} (for a pool of one thread). */
    public static ThreadFactory single(String name) {
        return r -> daemon(name, 0, r);
    }

    /** Returns an unstarted daemon thread named {@code name} running {@code body}. */
    public static Thread daemon(String name, Runnable body) {
        return daemon(name, 0, body);
    }

    /** Returns an unstarted daemon thread named {@code name} with a stack of {@code stackBytes} (0: default). */
    public static Thread daemon(String name, long stackBytes, Runnable body) {
        Thread t = new Thread(null, body, name, stackBytes);
        t.setDaemon(true);
        return t;
    }
}
