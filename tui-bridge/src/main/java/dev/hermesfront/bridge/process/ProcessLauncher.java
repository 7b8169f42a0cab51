package dev.hermesfront.bridge.process;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.threads.Threads;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Starts one agent child process per client (tui-wire.md §8.7: one process per connection keeps
 * ids and session routing transparent), each in its own process group where the system allows
 * ({@link ProcessGroups}). Thread-safe.
 *
 * <p>Threads shared by all its agents: {@code agent-stdout} ({@link StdoutPoller}: every agent's stdout, where the
 * system allows; else a thread {@code agent-out-PID} per agent), {@code agent-reaper} (stop graces, exit handling),
 * {@code agent-stderr} ({@link StderrPump}), and the stdin writers {@code agent-in-N}. A writer thread exists only while some agent
 * has frames queued for its stdin, and each agent uses at most one at a time, so the pool is bounded by the
 * number of agents; idle writers end after {@value #WRITER_IDLE_SECONDS} s.
 */
public final class ProcessLauncher implements AgentLauncher {
    private static final System.Logger LOG = System.getLogger(ProcessLauncher.class.getName());
    /** Reserved stack of a stdin writer: it only writes bytes to a pipe. */
    static final long WRITER_STACK_BYTES = 160 * 1024;
    static final int WRITER_IDLE_SECONDS = 2;
    /** How often the reaper looks for agents that exited (a field read per agent, no system call). */
    static final long EXIT_CHECK_MS = 100;

    private final AgentCommand command;
    private final ProcessGroups groups;
    private final ScheduledThreadPoolExecutor reaper;
    private final ThreadPoolExecutor writers;
    private final StderrPump stderr = new StderrPump();
    /**
     * Every agent's stdout on one thread, or null where the native pipe calls are not available ({@link Posix#load}).
     * Binding the native calls (FFM downcall handles) takes ~150 ms of CPU, so it happens on a short-lived thread
     * ({@code agent-stdout-init}) started by {@link #prepare()} once the gateway accepts (on a small machine it would
     * otherwise compete with the start-up: issue 22) or by the first agent, which waits for it.
     */
    private final CompletableFuture<StdoutPoller> stdoutReady = new CompletableFuture<>();
    /** Set once the poller's binding has started (or is not wanted): {@link #prepare()} runs it at most once. */
    private final java.util.concurrent.atomic.AtomicBoolean prepared = new java.util.concurrent.atomic.AtomicBoolean();
    private final Set<ProcessAgentLink> live = ConcurrentHashMap.newKeySet();

    /** Creates a launcher that starts agents in their own process groups where {@code setsid} is installed. */
    public ProcessLauncher(AgentCommand command) {
        this(command, ProcessGroups.detect());
    }

    ProcessLauncher(AgentCommand command, ProcessGroups groups) {
        this(command, groups, true);
    }

    /**
     * {@code poll}: false gives each agent a stdout reader thread of its own, and has the JDK start it (the fallbacks,
     * for tests); true reads every stdout on the poller and starts agents with posix_spawn, where the system allows.
     */
    ProcessLauncher(AgentCommand command, ProcessGroups groups, boolean poll) {
        this.command = command;
        if (!poll) {
            prepared.set(true);
            stdoutReady.complete(null);
        }
        this.groups = groups;
        this.reaper = new ScheduledThreadPoolExecutor(1, Threads.single("agent-reaper"));
        this.reaper.setRemoveOnCancelPolicy(true);
        // An agent the JDK started: a field read. A spawned one: a waitpid(WNOHANG) call, so those whose stdout is still
        // open and that are not being stopped are looked at every tenth round only (their exit usually ends stdout).
        long[] rounds = {0};
        this.reaper.scheduleWithFixedDelay(() -> {
            boolean all = ++rounds[0] % 10 == 0;
            live.forEach(l -> {
                if (all || l.exitLikely()) {
                    l.checkExit();
                }
            });
        }, EXIT_CHECK_MS, EXIT_CHECK_MS, TimeUnit.MILLISECONDS);
        this.writers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, WRITER_IDLE_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(), Threads.named("agent-in", WRITER_STACK_BYTES));
    }

    /**
     * Starts binding the stdout poller's and posix_spawn's native calls on the {@code agent-stdout-init} thread, once;
     * the gateway calls it when its listener accepts, and the first agent (or {@link #close}) when nobody did.
     */
    public void prepare() {
        if (!prepared.compareAndSet(false, true)) {
            return;
        }
        Threads.daemon("agent-stdout-init", () -> {
            StdoutPoller p = null;
            try {
                p = StdoutPoller.start();
                if (p != null) {
                    SpawnedProcess.available(); // binds posix_spawn and waitpid now too
                }
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.WARNING, "stdout poller not started; every agent gets a reader thread", e);
            } finally {
                stdoutReady.complete(p);
            }
        }).start();
    }

    /** Returns the poller (null: none), binding it first if {@link #prepare()} has not started it. */
    private StdoutPoller poller() {
        prepare();
        return stdoutReady.join();
    }

    @Override
    public AgentLink open(ClientSink sink) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(groups.wrap(command.argv()));
        if (command.cwd() != null) {
            pb.directory(command.cwd().toFile());
        }
        pb.environment().putAll(command.env());
        if (groups.enabled()) {
            // setsid would start, fail to exec, and exit 127: keep "agent failed to start" for a missing program.
            requireRunnable(command.argv().get(0), command.cwd(), pb.environment().get("PATH"));
        }
        int[] out = null;
        Process p;
        StdoutPoller stdout = poller();
        if (stdout != null && SpawnedProcess.available()) {
            // posix_spawn: no JDK process reaper thread for this agent (SpawnedProcess); stdout is the poller's pipe.
            Map<String, String> env = new HashMap<>(System.getenv());
            env.putAll(command.env());
            out = stdout.pipe();
            try {
                p = SpawnedProcess.start(stdout.posix(), command.argv(), command.cwd(), env, out[1], groups.enabled());
            } catch (IOException | RuntimeException e) {
                stdout.closeFd(out[0]);
                throw e;
            } finally {
                stdout.closeFd(out[1]);
            }
        } else if (stdout != null) {
            // The child's stdout is a pipe of the poller's: the JDK opens its write end by path (/dev/fd/N) for the
            // child, and this process keeps only the read end.
            out = stdout.pipe();
            pb.redirectOutput(new File(Posix.path(out[1])));
            try {
                p = pb.start();
            } catch (IOException | RuntimeException e) {
                stdout.closeFd(out[0]);
                throw e;
            } finally {
                stdout.closeFd(out[1]);
            }
        } else {
            p = pb.start();
        }
        LOG.log(System.Logger.Level.INFO, "agent {0} started (pid {1,number,#}{2})", command.program(), p.pid(),
                groups.enabled() ? ", own process group" : "");
        ProcessAgentLink[] self = new ProcessAgentLink[1];
        ProcessAgentLink link = new ProcessAgentLink(p, command, sink, reaper, writers, groups, () -> finished(self[0]),
                stdout, out == null ? -1 : out[0]);
        self[0] = link;
        live.add(link);
        stderr.add(p);
        link.start();
        return link;
    }

    private void finished(ProcessAgentLink link) {
        live.remove(link);
        synchronized (live) {
            live.notifyAll();
        }
    }

    /** Throws the IOException {@link ProcessBuilder#start()} would throw when {@code program} cannot be run. */
    static void requireRunnable(String program, Path cwd, String path) throws IOException {
        if (program.contains("/")) {
            Path p = cwd != null ? cwd.resolve(program) : Path.of(program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return;
            }
        } else if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return;
                }
            }
        }
        throw new IOException("Cannot run program \"" + program + "\": not found or not executable");
    }

    @Override
    public String kind() {
        return "stdio:" + command.program();
    }

    /** Returns how many agent processes are running. */
    public int liveCount() {
        return (int) live.stream().filter(ProcessAgentLink::isAlive).count();
    }

    /** Returns how many agents' stderr the shared pump is draining (for tests and the footprint tool). */
    int stderrSources() {
        return stderr.size();
    }

    /** Returns true when every agent's stdout is read by the one poller thread (no reader thread per agent). */
    boolean pollsStdout() {
        return poller() != null;
    }

    /** Returns true when agents are started with posix_spawn (no JDK process reaper thread per agent). */
    boolean spawnsNatively() {
        return pollsStdout() && SpawnedProcess.available();
    }

    /** Returns how many stdin writer threads exist now. */
    int writerThreads() {
        return writers.getPoolSize();
    }

    /**
     * Stops every agent: stdin closed, the stop grace, SIGTERM, the kill grace; then what exited agents left in their
     * groups gets its usual second and SIGTERM; then SIGKILL to every group that is still there. Bounded by the stop
     * grace plus twice the kill grace plus 2.5 s.
     */
    @Override
    public void close() {
        live.forEach(ProcessAgentLink::close);
        Duration bound = command.stopGrace().plus(command.killGrace()).plus(Duration.ofSeconds(1));
        long deadline = System.nanoTime() + bound.toNanos();
        try {
            for (ProcessAgentLink link : List.copyOf(live)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (!link.awaitExit(Math.max(0, left)) && left <= 0) {
                    LOG.log(System.Logger.Level.WARNING, "agents still running after {0} ms; killing them", bound.toMillis());
                    break;
                }
            }
            // Each link ends its leftovers on its own timers (a second, SIGTERM, the kill grace, SIGKILL) and then
            // leaves the set; a wrapper's clean-up gets its second at shutdown too.
            long leftoversDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ProcessAgentLink.LEFTOVER_GRACE_MS
                    + command.killGrace().toMillis() + 500);
            synchronized (live) {
                while (!live.isEmpty() && live.stream().noneMatch(ProcessAgentLink::isAlive)
                        && System.nanoTime() < leftoversDeadline) {
                    live.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(leftoversDeadline - System.nanoTime())));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<ProcessAgentLink> left = List.copyOf(live);
        groups.signal("KILL", left.stream().filter(l -> !l.pidReused()).map(ProcessAgentLink::pid).toList());
        left.forEach(ProcessAgentLink::kill);
        // A spawned agent is reaped by us, not by a JDK thread: wait a moment (SIGKILL is quick) so none stays a zombie.
        long reapDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try {
            for (ProcessAgentLink link : left) {
                link.awaitExit(Math.max(0, TimeUnit.NANOSECONDS.toMillis(reapDeadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reaper.shutdownNow();
        writers.shutdownNow();
        stderr.close();
        if (prepared.compareAndSet(false, true)) {
            stdoutReady.complete(null); // never bound: nothing to close
        }
        StdoutPoller stdout = stdoutReady.join();
        if (stdout != null) {
            stdout.close();
        }
    }
}
