package dev.hermesfront.gateway;

import dev.hermesfront.bridge.threads.Threads;
import dev.hermesfront.gateway.config.PoolSettings;
import dev.hermesfront.gateway.upstream.WsClient;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * Creates and owns the shared thread pools of one gateway (the request path's), each named {@code hermes-front-…},
 * bounded and sized from {@link PoolSettings}. Agents keep their own small pools beside these (the stdio launcher's
 * writers and reaper, the registry's and demo's timers, the audit writer), each bounded and named for its owner:
 *
 * <ul>
 *   <li>{@link #worker()}: Undertow's IO threads ({@code hermes-front I/O-n}) and its worker threads
 *       ({@code hermes-front task-n}), which grow to {@code workerThreads} before any task waits in the queue;
 *   <li>{@link #timers()}: {@code timerThreads} fixed threads ({@code hermes-front-timer-n}); a cancelled task
 *       leaves the queue at once, so long deadlines that are cancelled early hold nothing;
 *   <li>{@link #client()}: {@code clientThreads} fixed threads ({@code hermes-front-client-n}) with a queue of
 *       {@value #CLIENT_QUEUE} tasks, the executor of every outgoing {@code HttpClient}. Nothing may block
 *       on it: the client needs these threads to deliver responses. (Were the queue ever full, the JDK client
 *       runs the task on the common pool rather than dropping it.)
 *   <li>{@link #ws()}: the WebSocket client that dials upstream {@code /api/ws} on {@link #worker()}'s IO threads,
 *       with {@link #buffers()}, the pooled WebSocket buffers of both legs; no thread of its own.
 * </ul>
 *
 * <p>Every outgoing {@code HttpClient} is built by {@link #http(Duration)} (on {@link #client()}) or, in a command
 * that runs without these pools ({@code doctor}), by {@link #http(Duration, Executor)} on a bounded executor of
 * {@link #commandThreads}: never on the JDK's default executor, an unbounded pool of unnamed threads. Every thread
 * comes from the one factory, {@link Threads}, named for what it does.
 *
 * <p>Made by the composition root before the launchers that dial with it, and closed by the server.
 *
 * <p>Threads of a pool are a size, not a queue position: {@code ThreadPoolExecutor(2, 64, queue)} only
 * ever runs 2 threads, so the fixed pools here have {@code core == max}. Thread-safe.
 */
public final class Pools implements AutoCloseable {
    /** Tasks that may wait for a client thread. */
    static final int CLIENT_QUEUE = 10_000;
    /** Undertow worker threads kept when idle (the rest time out). */
    static final int WORKER_CORE_THREADS = 16;
    /** Size of one pooled WebSocket buffer, in bytes (direct). */
    static final int WS_BUFFER_BYTES = 16 * 1024;
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final PoolSettings settings;
    private final XnioWorker worker;
    private final ScheduledThreadPoolExecutor timers;
    private final ThreadPoolExecutor client;
    private final ByteBufferPool buffers;
    private final WsClient ws;

    private Pools(PoolSettings settings, XnioWorker worker, ScheduledThreadPoolExecutor timers, ThreadPoolExecutor client) {
        this.settings = settings;
        this.worker = worker;
        this.timers = timers;
        this.client = client;
        this.buffers = new DefaultByteBufferPool(true, WS_BUFFER_BYTES);
        this.ws = new WsClient(worker, buffers);
    }

    /** Starts the pools (threads start on first use). */
    public static Pools start(PoolSettings s) throws IOException {
        XnioWorker worker = Xnio.getInstance().createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, s.ioThreads())
                .set(Options.WORKER_TASK_CORE_THREADS, Math.min(WORKER_CORE_THREADS, s.workerThreads()))
                .set(Options.WORKER_TASK_MAX_THREADS, s.workerThreads())
                .set(Options.TCP_NODELAY, true)
                .set(Options.WORKER_NAME, "hermes-front")
                .getMap());
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(s.timerThreads(), named("hermes-front-timer"));
        timers.setRemoveOnCancelPolicy(true);
        timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        ThreadPoolExecutor client = new ThreadPoolExecutor(s.clientThreads(), s.clientThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(CLIENT_QUEUE), named("hermes-front-client"));
        client.allowCoreThreadTimeOut(true);
        return new Pools(s, worker, timers, client);
    }

    private static ThreadFactory named(String prefix) {
        return Threads.named(prefix);
    }

    /**
     * Returns a builder of an outgoing HTTP/1.1 client on {@link #client()} that follows no redirect. HTTP/1.1 for
     * every client of ours: on http:// the JDK's default asks for an h2c upgrade, which uvicorn 0.17 (Debian's)
     * answers 400 "Unsupported upgrade request".
     */
    public HttpClient.Builder http(Duration connectTimeout) {
        return http(connectTimeout, client);
    }

    /** Returns a builder of an outgoing HTTP/1.1 client on {@code executor} that follows no redirect. */
    public static HttpClient.Builder http(Duration connectTimeout, Executor executor) {
        return HttpClient.newBuilder().executor(executor).connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER);
    }

    /**
     * Returns {@code threads} fixed threads named {@code what-n} with a bounded queue, for a command that runs
     * without a server's pools (its HTTP client's executor); the caller shuts it down.
     */
    public static ExecutorService commandThreads(String what, int threads) {
        ThreadPoolExecutor e = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.SECONDS, new ArrayBlockingQueue<>(CLIENT_QUEUE),
                named(what));
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    /** Returns the sizes these pools were made with. */
    public PoolSettings settings() {
        return settings;
    }

    /** Returns Undertow's worker: IO threads and worker threads. */
    public XnioWorker worker() {
        return worker;
    }

    /** Returns the gateway's timers; their tasks must be short and never block. */
    public ScheduledExecutorService timers() {
        return timers;
    }

    /** Returns the executor of the gateway's outgoing HTTP clients; nothing may block on it. */
    public ExecutorService client() {
        return client;
    }

    /** Returns the pooled (direct) buffers of WebSocket frames, client and upstream legs alike. */
    public ByteBufferPool buffers() {
        return buffers;
    }

    /** Returns the client that dials upstream {@code /api/ws} on {@link #worker()}. */
    public WsClient ws() {
        return ws;
    }

    /** Stops the timers and the client threads at once, then the worker (waits up to 5 s for its tasks). */
    @Override
    public void close() {
        timers.shutdownNow();
        client.shutdownNow();
        worker.shutdown();
        try {
            if (!worker.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            worker.shutdownNow();
        }
    }
}
