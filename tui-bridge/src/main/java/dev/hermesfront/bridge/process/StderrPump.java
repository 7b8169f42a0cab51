package dev.hermesfront.bridge.process;

import dev.hermesfront.bridge.threads.Threads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Drains the stderr of every agent of a launcher with one thread, into the gateway log with the agent's pid.
 *
 * <p>Java cannot wait on many pipes at once, so the thread polls: it asks each pipe how much is readable
 * ({@code available()}, a non-blocking {@code FIONREAD}) and reads only that, so it never blocks on one agent.
 * While any agent writes, it polls again at once; when all are quiet it waits {@value #MIN_IDLE_MS} ms,
 * doubling up to {@value #MAX_IDLE_MS} ms. An agent is never blocked for long: the kernel holds 64 KiB of its
 * stderr between two polls, and a busy stream is read up to {@value #READ_BUDGET} bytes per pass.
 *
 * <p>Bounded: lines are cut at {@value #MAX_LINE_CHARS} characters, and at most {@value #LINES_PER_WINDOW}
 * lines per agent are logged every {@value #WINDOW_SECONDS} s; the rest are counted and the count logged.
 * Memory per agent is a small record, plus a line buffer only while a line is incomplete.
 *
 * <p>Thread-safe: {@link #add} and {@link #close} from any thread; everything else on the pump's thread.
 */
final class StderrPump implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StderrPump.class.getName());
    static final int MAX_LINE_CHARS = 2000;
    static final int LINES_PER_WINDOW = 200;
    static final int WINDOW_SECONDS = 10;
    static final int MIN_IDLE_MS = 20;
    static final int MAX_IDLE_MS = 250;
    static final int READ_BUDGET = 64 * 1024;
    /** Reserved stack of the pump's thread: it reads, decodes and logs, nothing deeper. */
    static final long STACK_BYTES = 256 * 1024;

    /** One agent's stderr. */
    private static final class Source {
        final long pid;
        final InputStream in;
        final Process process;
        /** Bytes of the current line, cut at the line bound; null between lines. */
        ByteArrayOutputStream line;
        boolean lineCut;
        long windowStart = System.nanoTime();
        int windowLines;
        long suppressed;

        Source(long pid, InputStream in, Process process) {
            this.pid = pid;
            this.in = in;
            this.process = process;
        }
    }

    private final List<Source> sources = new CopyOnWriteArrayList<>();
    private final Object wake = new Object();
    private final Thread thread;
    private final byte[] buf = new byte[16 * 1024];
    private volatile boolean closed;

    StderrPump() {
        thread = Threads.daemon("agent-stderr", STACK_BYTES, this::run);
        thread.start();
    }

    /** Starts draining {@code process}'s stderr; it is let go once the process has exited and its pipe is empty. */
    void add(Process process) {
        sources.add(new Source(process.pid(), process.getErrorStream(), process));
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** Returns how many agents' stderr is being drained. */
    int size() {
        return sources.size();
    }

    private void run() {
        long idleMs = MIN_IDLE_MS;
        while (!closed) {
            boolean any = false;
            List<Source> done = new ArrayList<>();
            for (Source s : sources) {
                try {
                    // Exit first, then emptiness: whatever the agent wrote before it exited is then already counted.
                    boolean exited = !s.process.isAlive();
                    int read = drain(s);
                    any |= read > 0;
                    if (read == 0 && exited) {
                        done.add(s);
                    }
                } catch (IOException e) {
                    done.add(s);
                }
            }
            for (Source s : done) {
                finish(s);
                sources.remove(s);
            }
            if (any) {
                idleMs = MIN_IDLE_MS;
                continue;
            }
            synchronized (wake) {
                try {
                    wake.wait(idleMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
            idleMs = Math.min(MAX_IDLE_MS, idleMs * 2);
        }
    }

    /** Reads what is readable now, up to the budget; returns the bytes read. */
    private int drain(Source s) throws IOException {
        int total = 0;
        while (total < READ_BUDGET) {
            int n = s.in.available();
            if (n <= 0) {
                break;
            }
            int r = s.in.read(buf, 0, Math.min(n, buf.length));
            if (r <= 0) {
                break;
            }
            feed(s, r);
            total += r;
        }
        return total;
    }

    private void feed(Source s, int len) {
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (buf[i] == '\n') {
                append(s, start, i - start);
                emit(s);
                start = i + 1;
            }
        }
        append(s, start, len - start);
    }

    private void append(Source s, int off, int len) {
        if (len == 0 || s.lineCut) {
            return;
        }
        if (s.line == null) {
            s.line = new ByteArrayOutputStream(Math.min(len, 256));
        }
        // UTF-8 takes at most 3 bytes per UTF-16 char: this keeps at least MAX_LINE_CHARS characters.
        int room = MAX_LINE_CHARS * 3 - s.line.size();
        s.line.write(buf, off, Math.min(len, room));
        s.lineCut = len > room;
    }

    private void emit(Source s) {
        String text = s.line == null ? "" : s.line.toString(StandardCharsets.UTF_8);
        boolean cut = s.lineCut;
        s.line = null;
        s.lineCut = false;
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.length() > MAX_LINE_CHARS) {
            text = text.substring(0, MAX_LINE_CHARS);
            cut = true;
        }
        long now = System.nanoTime();
        if (now - s.windowStart > TimeUnit.SECONDS.toNanos(WINDOW_SECONDS)) {
            if (s.suppressed > 0) {
                LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} stderr: {1,number,#} more line(s) not logged",
                        s.pid, s.suppressed);
            }
            s.windowStart = now;
            s.windowLines = 0;
            s.suppressed = 0;
        }
        if (++s.windowLines > LINES_PER_WINDOW) {
            s.suppressed++;
            return;
        }
        LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} stderr: {1}", s.pid, cut ? text + "…" : text);
    }

    private void finish(Source s) {
        if (s.line != null && s.line.size() > 0) {
            emit(s);
        }
        if (s.suppressed > 0) {
            LOG.log(System.Logger.Level.INFO, "agent pid {0,number,#} stderr: {1,number,#} more line(s) not logged",
                    s.pid, s.suppressed);
        }
        try {
            s.in.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "agent pid {0,number,#}: closing stderr: {1}", s.pid, e.getMessage());
        }
    }

    /** Stops the pump (pending stderr of live agents is no longer read). */
    @Override
    public void close() {
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Source s : sources) {
            finish(s);
        }
        sources.clear();
    }
}
