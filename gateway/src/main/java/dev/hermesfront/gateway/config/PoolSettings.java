package dev.hermesfront.gateway.config;


/**
 * Sizes of the gateway's thread pools ({@code Pools}). Every pool is fixed or grows before it queues, so a
 * size here is the concurrency the pool really runs.
 *
 * @param ioThreads     Undertow IO threads: accept, read, write; never block (default: the number of cores, at least 2)
 * @param workerThreads Undertow worker threads for blocking handlers and WebSocket callbacks; the pool starts
 *                      threads up to this many before it queues (default 64)
 * @param timerThreads  threads of the gateway's timers (pings, deadlines, peer probes); tasks there are short (default 2)
 * @param clientThreads threads of the executor shared by the gateway's outgoing HTTP clients (peers, the
 *                      dashboard's token); nothing blocks there, so a few serve any number of calls (default 4)
 */
public record PoolSettings(int ioThreads, int workerThreads, int timerThreads, int clientThreads) {
    /** Default Undertow worker threads (the table's). */
    public static final int DEFAULT_WORKER_THREADS = Settings.WORKER_THREADS.defaultValue().intValue();
    /** Default timer threads (the table's). */
    public static final int DEFAULT_TIMER_THREADS = Settings.TIMER_THREADS.defaultValue().intValue();
    /** Default HTTP client threads (the table's). */
    public static final int DEFAULT_CLIENT_THREADS = Settings.CLIENT_THREADS.defaultValue().intValue();

    public PoolSettings {
        check("pools.io_threads", ioThreads);
        check("pools.worker_threads", workerThreads);
        check("pools.timer_threads", timerThreads);
        check("pools.client_threads", clientThreads);
    }

    private static void check(String key, int n) {
        if (n < 1 || n > 4096) {
            throw new ConfigException(key, Integer.toString(n), "an integer from 1 to 4096");
        }
    }

    /** Returns the default IO thread count: the number of cores, at least 2. */
    public static int defaultIoThreads() {
        return Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /** Returns the defaults: the settings table's. */
    public static PoolSettings defaults() {
        return from(Settings.DEFAULTS, defaultIoThreads());
    }

    /**
     * Returns the sizes of {@code v}, read row by row.
     *
     * @param ioThreads {@code pools.io_threads}, whose default is a rule ({@link #defaultIoThreads()}) its reader applies
     */
    public static PoolSettings from(Settings.Values v, int ioThreads) {
        return new PoolSettings(ioThreads, v.get(Settings.WORKER_THREADS).intValue(), v.get(Settings.TIMER_THREADS).intValue(),
                v.get(Settings.CLIENT_THREADS).intValue());
    }
}
