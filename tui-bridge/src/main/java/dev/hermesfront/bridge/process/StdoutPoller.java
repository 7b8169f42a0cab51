package dev.hermesfront.bridge.process;

import dev.hermesfront.bridge.threads.Threads;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Reads the stdout of every agent of a launcher on one thread, {@code agent-stdout}: poll(2) over their pipes
 * ({@link Posix}), so an agent costs no thread and no stack of its own (issue 22: a platform thread per agent touched
 * ~80 KB of stack; a virtual thread cannot help, since the JDK's reads of a process pipe pin their carrier and add one
 * per blocked reader).
 *
 * <p>Each agent's stdout is a pipe made here, its write end handed to the child as its stdout ({@link Posix#path}),
 * its read end non-blocking and polled. What is readable is read at once and handed to the agent's {@link Reader} on
 * this thread, so a frame waits for no poll interval; a reader whose client is full pauses its pipe until the client
 * has room again ({@link #resume}), which paces the agent as the thread per agent did.
 *
 * <p>Thread-safe: {@link #add}, {@link #resume} and {@link #close} from any thread; everything else on the poller's thread.
 */
final class StdoutPoller implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StdoutPoller.class.getName());
    /** Bytes read at once; at most {@value #READS_PER_ROUND} reads per pipe per round, so that one busy agent cannot starve the others. */
    static final int READ_BYTES = 16 * 1024;
    static final int READS_PER_ROUND = 4;
    /** Reserved stack of the poller: it runs the clients' send path (queueing, parking, logging), as a reader thread did. */
    static final long STACK_BYTES = 256 * 1024;

    /** What the poller hands an agent's stdout to; called on the poller's thread only. */
    interface Reader {
        /** Takes {@code n} bytes of stdout; returns {@link #MORE}, {@link #PAUSE} (client full) or {@link #STOP}. */
        int bytes(byte[] buf, int n);

        /** Stdout ended (end of stream, an error, or the poller closed). Called once. */
        void ended();
    }

    static final int MORE = 0;
    static final int PAUSE = 1;
    static final int STOP = 2;

    private static final class Entry {
        final int fd;
        final Reader reader;
        boolean paused;

        Entry(int fd, Reader reader) {
            this.fd = fd;
            this.reader = reader;
        }
    }

    private record Command(int fd, Reader add) {}

    private final Posix posix;
    private final int wakeRead;
    private final int wakeWrite;
    /** The wake-up byte and a scratch call state for wake-ups from any thread (its errno is never read). */
    private final MemorySegment wakeByte = Arena.global().allocate(1);
    private final MemorySegment wakeState;
    private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    private StdoutPoller(Posix posix) throws IOException {
        this.posix = posix;
        this.wakeState = posix.allocateState(Arena.global());
        int[] wake = posix.pipe();
        wakeRead = wake[0];
        wakeWrite = wake[1];
        thread = Threads.daemon("agent-stdout", STACK_BYTES, this::run);
        thread.start();
    }

    /** Returns a running poller, or null where the native calls are not available (each agent then gets a reader thread). */
    static StdoutPoller start() {
        Posix posix = Posix.load();
        if (posix == null) {
            return null;
        }
        try {
            return new StdoutPoller(posix);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "stdout poller not started ({0}); every agent gets a reader thread", e.getMessage());
            return null;
        }
    }

    /** Makes a pipe for a child's stdout: {read end, write end}. Give the child {@link Posix#path} of the write end, then {@link #closeFd} it. */
    int[] pipe() throws IOException {
        return posix.pipe();
    }

    Posix posix() {
        return posix;
    }

    void closeFd(int fd) {
        posix.close(fd);
    }

    /** Starts polling {@code readFd} (now owned by the poller, which closes it when stdout ends) for {@code reader}. */
    void add(int readFd, Reader reader) {
        command(new Command(readFd, reader));
    }

    /** Polls a paused pipe again (its client has room). Harmless for a pipe that is not paused or is gone. */
    void resume(int readFd) {
        command(new Command(readFd, null));
    }

    private void command(Command c) {
        commands.add(c);
        posix.poke(wakeWrite, wakeByte, wakeState);
        if (closed) {
            drainCommandsAfterClose();
        }
    }

    private void run() {
        Map<Integer, Entry> entries = new HashMap<>();
        List<Entry> polled = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = posix.allocateState(arena);
            MemorySegment nativeBuf = arena.allocate(READ_BYTES);
            byte[] buf = new byte[READ_BYTES];
            MemorySegment fds = arena.allocate(Posix.POLLFD_BYTES * 64);
            boolean dirty = true;
            while (!closed) {
                for (Command c; (c = commands.poll()) != null; ) {
                    if (c.add != null) {
                        entries.put(c.fd, new Entry(c.fd, c.add));
                        dirty = true;
                    } else {
                        Entry e = entries.get(c.fd);
                        if (e != null && e.paused) {
                            e.paused = false;
                            dirty = true;
                        }
                    }
                }
                if (dirty) {
                    polled.clear();
                    for (Entry e : entries.values()) {
                        if (!e.paused) {
                            polled.add(e);
                        }
                    }
                    long need = Posix.POLLFD_BYTES * (polled.size() + 1);
                    if (fds.byteSize() < need) {
                        fds = arena.allocate(Math.max(need, fds.byteSize() * 2));
                    }
                    setPollFd(fds, 0, wakeRead);
                    for (int i = 0; i < polled.size(); i++) {
                        setPollFd(fds, i + 1, polled.get(i).fd);
                    }
                    dirty = false;
                }
                int count = polled.size() + 1;
                if (posix.poll(fds, count, -1, state) <= 0) {
                    continue;
                }
                if (revents(fds, 0) != 0) {
                    MemorySegment drain = nativeBuf.asSlice(0, 512);
                    while (posix.read(wakeRead, drain, state) > 0) {
                        // wake-ups only say "look at the commands"
                    }
                }
                for (int i = 1; i < count; i++) {
                    if (revents(fds, i) == 0) {
                        continue;
                    }
                    Entry e = polled.get(i - 1);
                    int outcome = readSome(e, nativeBuf, buf, state);
                    if (outcome == PAUSE) {
                        e.paused = true;
                        dirty = true;
                    } else if (outcome == STOP) {
                        entries.remove(e.fd);
                        end(e);
                        dirty = true;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "stdout poller failed; ending every agent's stdout", e);
        } finally {
            closed = true;
            entries.values().forEach(this::end);
            drainCommandsAfterClose();
            posix.close(wakeRead);
            posix.close(wakeWrite);
        }
    }

    /** Reads what a readable pipe holds (a bounded number of reads); returns MORE, PAUSE, or STOP (ended). */
    private int readSome(Entry e, MemorySegment nativeBuf, byte[] buf, MemorySegment state) {
        for (int r = 0; r < READS_PER_ROUND; r++) {
            long n;
            try {
                n = posix.read(e.fd, nativeBuf, state);
            } catch (IOException ex) {
                LOG.log(System.Logger.Level.DEBUG, "agent stdout fd {0,number,#}: {1}", e.fd, ex.getMessage());
                return STOP;
            }
            if (n < 0) {
                return MORE; // nothing more now
            }
            if (n == 0) {
                return STOP; // end of stream
            }
            MemorySegment.copy(nativeBuf, ValueLayout.JAVA_BYTE, 0, buf, 0, (int) n);
            int outcome;
            try {
                outcome = e.reader.bytes(buf, (int) n);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.ERROR, "agent stdout fd " + e.fd + ": its reader failed; ending it", ex);
                return STOP;
            }
            if (outcome != MORE || n < READ_BYTES) {
                return outcome;
            }
        }
        return MORE;
    }

    private void end(Entry e) {
        posix.close(e.fd);
        try {
            e.reader.ended();
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.ERROR, "agent stdout fd " + e.fd + ": its end handler failed", ex);
        }
    }

    /** After close: pipes added too late are closed and ended at once. */
    private void drainCommandsAfterClose() {
        for (Command c; (c = commands.poll()) != null; ) {
            if (c.add != null) {
                end(new Entry(c.fd, c.add));
            }
        }
    }

    private static void setPollFd(MemorySegment fds, int i, int fd) {
        long at = i * Posix.POLLFD_BYTES;
        fds.set(ValueLayout.JAVA_INT, at, fd);
        fds.set(ValueLayout.JAVA_SHORT, at + 4, Posix.POLLIN);
        fds.set(ValueLayout.JAVA_SHORT, at + 6, (short) 0);
    }

    private static short revents(MemorySegment fds, int i) {
        return fds.get(ValueLayout.JAVA_SHORT, i * Posix.POLLFD_BYTES + 6);
    }

    /** Stops the poller; every pipe still polled is closed and its reader told that stdout ended. */
    @Override
    public void close() {
        closed = true;
        posix.poke(wakeWrite, wakeByte, wakeState);
    }
}
