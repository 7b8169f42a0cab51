package dev.hermesfront.bridge.process;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.protocol.WireFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bridges one client to one agent child process over stdio (tui-wire.md §1.1, §8).
 *
 * <p>One client frame becomes one stdin line (raw CR and LF removed first, they can only be
 * insignificant whitespace in valid JSON); one stdout line becomes one client frame with its bytes
 * unchanged. A stdout line over {@link AgentCommand#maxLineBytes()} is skipped with bounded memory and the
 * client told instead ({@link OversizedLines}).
 *
 * <p>Threads (the budget of issues 14 and 22): stdout is read by the launcher's one {@link StdoutPoller} thread, paced by
 * {@link ClientSink#whenWritable} (the pipe is not polled while the client is full); where the poller's native calls
 * are not available, by a named thread per link paced by {@link ClientSink#awaitWritable}. Stdin is written by a thread of the launcher's shared writer pool only
 * while frames are queued for this agent (the queue is bounded in bytes). Stderr has no thread of its own:
 * the launcher's {@link StderrPump} drains it into the log.
 *
 * <p>Stopping, with process groups ({@link ProcessGroups}): when the client leaves, stdin is closed; after
 * {@link AgentCommand#stopGrace()} a still running agent's whole group gets SIGTERM, then SIGKILL after
 * {@link AgentCommand#killGrace()}. Whenever the agent process exits, for any reason, what it left behind in
 * its group gets SIGTERM {@value #LEFTOVER_GRACE_MS} ms later and SIGKILL after the kill grace. The client
 * hears of the exit (close 1011 through {@link ClientSink#agentClosed}) once stdout has ended, or
 * {@link AgentCommand#exitDrain()} after the exit at the latest, even if a process that escaped the group
 * still holds stdout open. Without process
 * groups the agent's descendants are walked instead: those seen while it ran are signalled the same way.
 */
final class ProcessAgentLink implements AgentLink {
    private static final System.Logger LOG = System.getLogger(ProcessAgentLink.class.getName());
    /**
     * The longest the reader waits for its client in one go. The client's own stall bound ({@code tui.client_stall},
     * applied by its sink) is what cuts a stuck client off, and it is shorter; this only caps a sink that has none.
     */
    private static final Duration CLIENT_WAIT_CAP = Duration.ofHours(1);
    /**
     * Reserved stack of the stdout reader, which runs the client's send path (queueing, parking, logging). The
     * reserved size costs address space only: resident stack is what HotSpot touches, ~80 KB per Java thread
     * whatever the size (its stack banging walks the 20-page shadow zone), measured the same at 136 and 256 KiB.
     */
    static final long STDOUT_STACK_BYTES = 256 * 1024;
    /**
     * Bytes read from stdout at once. Below the JDK's own 8 KiB pipe buffer, so reads go through it (one copy)
     * and this array stays small; a line longer than one read is assembled by the {@link LineSplitter}.
     */
    static final int READ_BYTES = 4 * 1024;
    /**
     * How long processes the agent left in its group may run on after it exited, before SIGTERM: long enough for a
     * wrapper's clean-up (the kit's real-agent.sh removes its temporary home from a watchdog polling every 0.5 s).
     */
    static final long LEFTOVER_GRACE_MS = 1000;
    /** How long the stdout reader, at end of stream, waits for the agent's exit before leaving it to the exit check. */
    static final long EXIT_AFTER_EOF_MS = 200;
    /** With the poller, when (ms after end of stream) the reaper looks for the exit before its periodic check. */
    private static final long[] EXIT_CHECKS_AFTER_EOF_MS = {1, 10, 40};

    private final Process process;
    private final long pid;
    private final AgentCommand command;
    private final ClientSink sink;
    private final ScheduledExecutorService reaper;
    private final Executor writers;
    private final ProcessGroups groups;
    private final Runnable onFinished;
    /** The launcher's poller and this agent's stdout pipe (read end), or null and -1: a reader thread of its own. */
    private final StdoutPoller poller;
    private final int stdoutFd;
    /** Counts down the client being told and the leftovers of the group being dealt with. */
    private final AtomicInteger finishSignals = new AtomicInteger(2);
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean gone = new AtomicBoolean();
    private final AtomicBoolean stdoutEnded = new AtomicBoolean();
    private final AtomicBoolean exitSeen = new AtomicBoolean();
    /** Counts down stdout's end and the process's exit; the client hears of the exit only after both. */
    private final AtomicInteger endSignals = new AtomicInteger(2);
    private final Object inputLock = new Object();
    private final ArrayDeque<byte[]> input = new ArrayDeque<>();
    private long inputBytes;
    private boolean inputClosed;
    /** A writer-pool task is writing this link's queue; it closes stdin when the queue is closed and empty. */
    private boolean draining;
    /** Without process groups: the agent's descendants seen while it ran, signalled after it exits. */
    private volatile List<ProcessHandle> knownDescendants = List.of();

    ProcessAgentLink(Process process, AgentCommand command, ClientSink sink, ScheduledExecutorService reaper,
                     Executor writers, ProcessGroups groups, Runnable onFinished) {
        this(process, command, sink, reaper, writers, groups, onFinished, null, -1);
    }

    ProcessAgentLink(Process process, AgentCommand command, ClientSink sink, ScheduledExecutorService reaper,
                     Executor writers, ProcessGroups groups, Runnable onFinished, StdoutPoller poller, int stdoutFd) {
        this.poller = poller;
        this.stdoutFd = stdoutFd;
        this.process = process;
        this.pid = process.pid();
        this.command = command;
        this.sink = sink;
        this.reaper = reaper;
        this.writers = writers;
        this.groups = groups;
        this.onFinished = onFinished;
    }

    void start() {
        if (poller != null) {
            poller.add(stdoutFd, new PolledStdout());
            return;
        }
        dev.hermesfront.bridge.threads.Threads.daemon("agent-out-" + pid, STDOUT_STACK_BYTES, this::pumpStdout).start();
    }

    /** Stdout through the launcher's poller: lines delivered on its thread, the pipe paused while the client is full. */
    private final class PolledStdout implements StdoutPoller.Reader {
        private final LineSplitter lines = new LineSplitter(command.maxLineBytes(), ProcessAgentLink.this::oversized);

        @Override
        public int bytes(byte[] buf, int n) {
            try {
                if (!lines.feed(buf, n, ProcessAgentLink.this::deliver)) {
                    return StdoutPoller.STOP;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // not thrown: deliver does not wait in this mode
                return StdoutPoller.STOP;
            }
            if (closing.get() || gone.get()) {
                return StdoutPoller.MORE; // keep draining so the agent never blocks on a full pipe while it winds down
            }
            // The client's stall bound (tui.client_stall) cuts a stuck client off and runs the callback too.
            return sink.whenWritable(() -> poller.resume(stdoutFd)) ? StdoutPoller.MORE : StdoutPoller.PAUSE;
        }

        @Override
        public void ended() {
            stdoutEnded();
            // Usually the agent closed stdout by exiting: look for the exit soon rather than at the next check.
            for (long ms : EXIT_CHECKS_AFTER_EOF_MS) {
                later(ProcessAgentLink.this::checkExit, ms);
            }
        }
    }

    /**
     * Handles the agent's exit once it has happened; called by the launcher's exit check on the reaper thread.
     *
     * <p>Not {@link Process#onExit()}: its stages share the JDK's own exit handler, which closes the stdout stream
     * and so blocks, while a process the agent left behind holds stdout open, until that process is gone. Our exit
     * handling, the one thing that would end that process, could then wait behind it indefinitely.
     */
    void checkExit() {
        if (!process.isAlive() && exitSeen.compareAndSet(false, true)) {
            exited();
        }
    }

    /** Runs {@code r} on the reaper after {@code millis}; once the launcher has closed, runs it now if it is due now. */
    private void later(Runnable r, long millis) {
        try {
            reaper.schedule(r, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            if (millis == 0) {
                r.run();
            }
        }
    }

    long pid() {
        return pid;
    }

    /**
     * Returns true when the exit check should look at this agent every round: a process the JDK started (a field read),
     * or one whose exit is due (stdout ended, or it is being stopped). A spawned agent otherwise costs a system call.
     */
    boolean exitLikely() {
        return !(process instanceof SpawnedProcess) || stdoutEnded.get() || closing.get();
    }

    @Override
    public boolean send(WireFrame frame) {
        byte[] line = toLine(frame);
        boolean startDrain;
        synchronized (inputLock) {
            if (inputClosed) {
                return false;
            }
            if (inputBytes + line.length > command.inputBytes() && !input.isEmpty()) {
                return false;
            }
            input.addLast(line);
            inputBytes += line.length;
            startDrain = !draining;
            draining = true;
        }
        if (startDrain) {
            try {
                writers.execute(this::drainStdin);
            } catch (RejectedExecutionException e) {
                // The launcher is closing: the agent is being stopped anyway.
                synchronized (inputLock) {
                    draining = false;
                }
                return false;
            }
        }
        return true;
    }

    /** Encodes a client frame as one stdin line: CR and LF removed, {@code \n} appended. */
    static byte[] toLine(String frame) {
        return toLine(WireFrame.of(frame));
    }

    /**
     * Makes one stdin line of a client frame's bytes: CR and LF removed (in UTF-8 those bytes are never part of
     * another character), {@code \n} appended. One copy, nothing decoded.
     */
    static byte[] toLine(WireFrame frame) {
        int n = frame.length();
        byte[] line = new byte[n + 1];
        frame.buffer().get(line, 0, n);
        int at = 0;
        for (int i = 0; i < n; i++) {
            byte b = line[i];
            if (b != '\n' && b != '\r') {
                line[at++] = b;
            }
        }
        line[at++] = '\n';
        return at == line.length ? line : Arrays.copyOf(line, at);
    }

    /** Runs on a writer-pool thread until the queue is empty; closes stdin when the queue was closed meanwhile. */
    private void drainStdin() {
        OutputStream out = process.getOutputStream();
        try {
            while (true) {
                byte[] line;
                boolean more;
                synchronized (inputLock) {
                    line = input.pollFirst();
                    if (line == null) {
                        draining = false;
                        if (inputClosed) {
                            break;
                        }
                        return;
                    }
                    inputBytes -= line.length;
                    more = !input.isEmpty();
                }
                out.write(line);
                if (!more) {
                    out.flush();
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "agent pid {0,number,#}: stdin closed: {1}", pid, e.getMessage());
            synchronized (inputLock) {
                inputClosed = true;
                input.clear();
                inputBytes = 0;
                draining = false;
            }
        }
        closeQuietly(out);
    }

    private void pumpStdout() {
        try (InputStream in = process.getInputStream()) {
            LineSplitter lines = new LineSplitter(command.maxLineBytes(), this::oversized);
            byte[] buf = new byte[READ_BYTES];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (!lines.feed(buf, n, this::deliver)) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "agent pid {0,number,#}: stdout: {1}", pid, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stdoutEnded();
            awaitExitAfterStdout();
        }
    }

    /** The usual end: the agent closes stdout by exiting. Tell the reaper now rather than at its next check. */
    private void awaitExitAfterStdout() {
        try {
            if (process.waitFor(EXIT_AFTER_EOF_MS, TimeUnit.MILLISECONDS)) {
                later(this::checkExit, 0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean deliver(WireFrame frame) throws InterruptedException {
        if (closing.get() || gone.get()) {
            return true; // keep draining so the agent never blocks on a full pipe while it winds down
        }
        // Pace the agent by the client; a client that stays stuck is cut off by the sink after its stall bound
        // (tui.client_stall), which then keeps (parks) what follows, so the agent is never blocked for good. With the
        // poller, the pacing is the paused pipe (PolledStdout): nothing may wait on its thread.
        if (poller == null) {
            sink.awaitWritable(CLIENT_WAIT_CAP);
        }
        sink.send(frame);
        return true;
    }

    private boolean oversized(byte[] head, long lineBytes) throws InterruptedException {
        LOG.log(System.Logger.Level.WARNING, "agent pid {0,number,#} wrote a stdout line of {1,number,#} bytes, over the "
                + "limit of {2,number,#}; dropped it and told the client", pid, lineBytes, command.maxLineBytes());
        return deliver(WireFrame.of(OversizedLines.reply(head, lineBytes, command.maxLineBytes())));
    }

    private void stdoutEnded() {
        if (stdoutEnded.compareAndSet(false, true)) {
            endSignal();
        }
    }

    /** The agent process is gone: stop what it left behind, and bound the wait for its stdout. */
    private void exited() {
        closeInput();
        endSignal();
        if (!stdoutEnded.get()) {
            later(() -> {
                if (!stdoutEnded.get()) {
                    LOG.log(System.Logger.Level.WARNING, "agent pid {0,number,#} exited {1,number,#} ms ago but its stdout "
                            + "is still open (held by a process outside its group); telling its client now", pid,
                            command.exitDrain().toMillis());
                }
                stdoutEnded();
                if (poller != null) {
                    poller.resume(stdoutFd); // a paused pipe drains again; what is left is dropped (the link is gone)
                }
            }, command.exitDrain().toMillis());
        }
        // What the agent left gets a moment to end on its own (a wrapper's clean-up, say), then SIGTERM, then SIGKILL.
        later(this::stopLeftovers, LEFTOVER_GRACE_MS);
    }

    private void stopLeftovers() {
        if (groups.enabled()) {
            if (!pidReused() && groups.signal("TERM", List.of(pid))) {
                LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} exited and left processes in its group; "
                        + "sent them SIGTERM", pid);
                later(() -> {
                    if (!pidReused() && groups.signal("KILL", List.of(pid))) {
                        LOG.log(System.Logger.Level.WARNING, "agent pid {0,number,#}: processes it left behind ignored "
                                + "SIGTERM; killed them", pid);
                    }
                    finishOne();
                }, command.killGrace().toMillis());
                return;
            }
        } else {
            List<ProcessHandle> left = knownDescendants.stream().filter(ProcessHandle::isAlive).toList();
            left.forEach(ProcessHandle::destroy);
            if (!left.isEmpty()) {
                later(() -> {
                    left.forEach(ProcessHandle::destroyForcibly);
                    finishOne();
                }, command.killGrace().toMillis());
                return;
            }
        }
        finishOne();
    }

    /**
     * Returns true when a process now has the dead agent's pid. The kernel keeps a pid number allocated while a
     * process group of that number has members, so a reused pid means the agent's group is empty, and signalling
     * the group of that number could only reach someone else.
     */
    boolean pidReused() {
        return !process.isAlive() && ProcessHandle.of(pid).isPresent();
    }

    private void finishOne() {
        if (finishSignals.decrementAndGet() == 0) {
            onFinished.run();
        }
    }

    private void endSignal() {
        if (endSignals.decrementAndGet() != 0 || !gone.compareAndSet(false, true)) {
            return;
        }
        int code = process.exitValue();
        finishOne();
        if (closing.get()) {
            LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} stopped (status {1,number,#})", pid, code);
        } else {
            LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} exited on its own (status {1,number,#})", pid, code);
            sink.agentClosed(AgentExit.exited(code));
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        if (!groups.enabled()) {
            // The real agent exits on stdin EOF, after which its children can no longer be found from it.
            knownDescendants = process.descendants().toList();
        }
        closeInput();
        later(this::terminate, command.stopGrace().toMillis());
    }

    private void terminate() {
        if (!process.isAlive()) {
            return;
        }
        LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} still running after stdin closed; sending SIGTERM", pid);
        if (groups.enabled()) {
            groups.signal("TERM", List.of(pid));
            later(() -> {
                if (process.isAlive()) {
                    LOG.log(System.Logger.Level.WARNING, "agent pid {0,number,#} ignored SIGTERM; killing its group", pid);
                    groups.signal("KILL", List.of(pid));
                }
            }, command.killGrace().toMillis());
            return;
        }
        List<ProcessHandle> tree = process.descendants().toList();
        knownDescendants = tree;
        process.destroy();
        tree.forEach(ProcessHandle::destroy);
        later(() -> {
            if (process.isAlive() || tree.stream().anyMatch(ProcessHandle::isAlive)) {
                LOG.log(System.Logger.Level.WARNING, "agent pid {0,number,#} ignored SIGTERM; killing it", pid);
                tree.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }, command.killGrace().toMillis());
    }

    /** Kills the agent at once, without a grace (gateway shutdown; the launcher signals the groups together). */
    void kill() {
        closing.set(true);
        closeInput();
        if (!groups.enabled()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            knownDescendants.forEach(ProcessHandle::destroyForcibly);
        }
        process.destroyForcibly();
    }

    /** Waits up to {@code millis} for the agent process to exit; returns true when it has. */
    boolean awaitExit(long millis) throws InterruptedException {
        return process.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Refuses further frames; stdin is closed once the frames already queued are written. */
    private void closeInput() {
        boolean closeNow;
        synchronized (inputLock) {
            inputClosed = true;
            closeNow = !draining;
        }
        if (closeNow) {
            closeQuietly(process.getOutputStream());
        }
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException ignored) {
            // the agent is gone already
        }
    }

    @Override
    public String describe() {
        return command.program() + " pid " + pid;
    }
}
