package dev.hermesfront.bridge.process;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bridges one client to one agent child process over stdio (tui-wire.md §1.1, §8).
 *
 * <p>One client frame becomes one stdin line (raw CR and LF removed first, they can only be
 * insignificant whitespace in valid JSON); one stdout line becomes one client frame with its bytes
 * unchanged. Three named threads per link: stdout reader (paced by {@link ClientSink#awaitWritable}),
 * stderr reader (to the log), stdin writer (fed from a queue bounded in bytes).
 *
 * <p>Stopping: stdin closed, then SIGTERM to the process and its descendants after
 * {@link AgentCommand#stopGrace()}, then SIGKILL after {@link AgentCommand#killGrace()}.
 */
final class ProcessAgentLink implements AgentLink {
    private static final System.Logger LOG = System.getLogger(ProcessAgentLink.class.getName());
    private static final Duration CLIENT_STALL = Duration.ofSeconds(30);

    private final Process process;
    private final AgentCommand command;
    private final ClientSink sink;
    private final ScheduledExecutorService reaper;
    private final Runnable onGone;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean gone = new AtomicBoolean();
    /** Counts down stdout EOF and process exit; the client hears of the exit only after both. */
    private final AtomicInteger endSignals = new AtomicInteger(2);
    private final Object inputLock = new Object();
    private final ArrayDeque<byte[]> input = new ArrayDeque<>();
    private long inputBytes;
    private boolean inputClosed;

    ProcessAgentLink(Process process, AgentCommand command, ClientSink sink, ScheduledExecutorService reaper,
                     Runnable onGone) {
        this.process = process;
        this.command = command;
        this.sink = sink;
        this.reaper = reaper;
        this.onGone = onGone;
    }

    void start() {
        long pid = process.pid();
        thread("agent-out-" + pid, this::pumpStdout).start();
        thread("agent-err-" + pid, this::pumpStderr).start();
        thread("agent-in-" + pid, this::pumpStdin).start();
        process.onExit().thenRun(this::exited);
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(null, r, name, 256 * 1024);
        t.setDaemon(true);
        return t;
    }

    @Override
    public boolean send(String frame) {
        byte[] line = toLine(frame);
        synchronized (inputLock) {
            if (inputClosed) {
                return false;
            }
            if (inputBytes + line.length > command.inputBytes() && !input.isEmpty()) {
                return false;
            }
            input.addLast(line);
            inputBytes += line.length;
            inputLock.notifyAll();
        }
        return true;
    }

    /** Encodes a client frame as one stdin line: CR and LF removed, {@code \n} appended. */
    static byte[] toLine(String frame) {
        String s = frame;
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            StringBuilder b = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '\n' && c != '\r') {
                    b.append(c);
                }
            }
            s = b.toString();
        }
        byte[] body = s.getBytes(StandardCharsets.UTF_8);
        byte[] line = Arrays.copyOf(body, body.length + 1);
        line[body.length] = '\n';
        return line;
    }

    private void pumpStdin() {
        OutputStream out = process.getOutputStream();
        try {
            while (true) {
                byte[] line;
                boolean more;
                synchronized (inputLock) {
                    while (input.isEmpty() && !inputClosed) {
                        inputLock.wait();
                    }
                    line = input.pollFirst();
                    if (line == null) {
                        break;
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
            LOG.log(System.Logger.Level.DEBUG, "agent pid {0,number,#}: stdin closed: {1}", process.pid(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(out);
        }
    }

    private void pumpStdout() {
        try (InputStream in = process.getInputStream()) {
            LineSplitter lines = new LineSplitter(command.maxLineBytes());
            // 16 KiB: a few dozen agent lines per read. It lives as long as the agent, one per connection, so
            // its size is paid a thousand times over at 1000 connections (64 KiB was 64 MB there).
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (!lines.feed(buf, n, this::deliver)) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "agent pid {0,number,#}: stdout: {1}", process.pid(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            endSignal();
        }
    }

    private boolean deliver(String frame) throws InterruptedException {
        if (closing.get()) {
            return true; // keep draining so the agent never blocks on a full pipe while it winds down
        }
        // Pace the agent by the client; a client that stays stuck is cut off by the sink, which then
        // keeps (parks) what follows, so the agent is never blocked for good.
        sink.awaitWritable(CLIENT_STALL);
        sink.send(frame);
        return true;
    }

    private void pumpStderr() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8), 512)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.length() > 2000) {
                    line = line.substring(0, 2000) + "…";
                }
                LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} stderr: {1}", process.pid(), line);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "agent pid {0,number,#}: stderr: {1}", process.pid(), e.getMessage());
        }
    }

    private void exited() {
        closeInput();
        // Descendants of a wrapper script belong to this agent, and may hold stdout open.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        endSignal();
    }

    private void endSignal() {
        if (endSignals.decrementAndGet() != 0 || !gone.compareAndSet(false, true)) {
            return;
        }
        int code = process.exitValue();
        onGone.run();
        if (closing.get()) {
            LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} stopped (status {1,number,#})", process.pid(), code);
        } else {
            LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} exited on its own (status {1,number,#})", process.pid(), code);
            sink.agentClosed(AgentExit.exited(code));
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closeInput();
        reaper.schedule(this::terminate, command.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void terminate() {
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> tree = process.descendants().toList();
        LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} still running after stdin closed; sending SIGTERM", process.pid());
        process.destroy();
        tree.forEach(ProcessHandle::destroy);
        reaper.schedule(() -> {
            if (process.isAlive() || tree.stream().anyMatch(ProcessHandle::isAlive)) {
                LOG.log(System.Logger.Level.WARNING, "agent pid {0,number,#} ignored SIGTERM; killing it", process.pid());
                tree.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }, command.killGrace().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Kills the agent at once (gateway shutdown past its grace). */
    void kill() {
        closing.set(true);
        closeInput();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    CompletableFuture<Process> exit() {
        return process.onExit();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    private void closeInput() {
        synchronized (inputLock) {
            inputClosed = true;
            inputLock.notifyAll();
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
        return command.program() + " pid " + process.pid();
    }
}
