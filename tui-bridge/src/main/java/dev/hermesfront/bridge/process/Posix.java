package dev.hermesfront.bridge.process;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The few POSIX calls the stdout poller needs ({@code pipe}, {@code fcntl}, {@code poll}, {@code read}, {@code write},
 * {@code close}), bound through the FFM API (Java 22+). Linux and macOS (their constants differ where noted).
 *
 * <p>{@link #load} returns null where the bindings cannot be made (another system, or native access denied with
 * {@code --illegal-native-access=deny}): the launcher then reads each agent's stdout on a thread of its own, as before.
 * The executable jar's manifest enables native access ({@code Enable-Native-Access: ALL-UNNAMED}), so Java prints no
 * warning for it. Thread-safe (the handles are stateless; every call takes its own memory).
 */
final class Posix {
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    static final int EINTR = 4;
    /** {@code struct pollfd}: {@code int fd; short events; short revents;} on both systems. */
    static final long POLLFD_BYTES = 8;

    private static final int F_SETFD = 2;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int FD_CLOEXEC = 1;

    private final boolean mac;
    private final int eagain;
    private final int oNonblock;
    private final MethodHandle pipe;
    private final MethodHandle fcntl;
    private final MethodHandle poll;
    private final MethodHandle read;
    private final MethodHandle write;
    private final MethodHandle close;
    private final StructLayout captureLayout;
    private final VarHandle errno;

    private Posix(boolean mac) {
        this.mac = mac;
        this.eagain = mac ? 35 : 11;
        this.oNonblock = mac ? 0x4 : 0x800;
        Linker linker = Linker.nativeLinker();
        Linker.Option captureErrno = Linker.Option.captureCallState("errno");
        captureLayout = Linker.Option.captureStateLayout();
        errno = captureLayout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        pipe = handle(linker, "pipe", FunctionDescriptor.of(JAVA_INT, ADDRESS), captureErrno);
        // fcntl(int, int, ...): the third argument is variadic.
        fcntl = handle(linker, "fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), captureErrno,
                Linker.Option.firstVariadicArg(2));
        // nfds_t: unsigned long on Linux, unsigned int on macOS.
        ValueLayout nfds = mac ? JAVA_INT : JAVA_LONG;
        poll = handle(linker, "poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, nfds, JAVA_INT), captureErrno);
        read = handle(linker, "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), captureErrno);
        write = handle(linker, "write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), captureErrno);
        close = handle(linker, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static MethodHandle handle(Linker linker, String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = linker.defaultLookup().find(name).orElseThrow(() -> new UnsupportedOperationException(name));
        return linker.downcallHandle(symbol, fd, options);
    }

    /** Returns the bindings, or null (with the reason logged) where this system or JVM does not allow them. */
    static Posix load() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        boolean mac = os.contains("mac");
        if (!mac && !os.contains("linux")) {
            return null;
        }
        try {
            Posix p = new Posix(mac);
            int[] fds = p.pipe();
            p.close(fds[0]);
            p.close(fds[1]);
            return p;
        } catch (Throwable e) { // IllegalCallerException (native access denied), a missing symbol, an odd platform
            System.getLogger(Posix.class.getName()).log(System.Logger.Level.INFO, "no native pipe calls ({0}); every agent's "
                    + "stdout gets a reader thread of its own", e.toString());
            return null;
        }
    }

    /** The path under which a child can open {@code fd} of this process ({@code /dev/fd} is {@code /proc/self/fd} on Linux). */
    static String path(int fd) {
        return "/dev/fd/" + fd;
    }

    /** Creates a pipe for a child's stdout: {@link #pipe(boolean) pipe(true)}. */
    int[] pipe() throws IOException {
        return pipe(true);
    }

    /**
     * Creates a pipe; returns {read end, write end}, both close-on-exec, the read end non-blocking when asked. (A child
     * is started with every other descriptor closed, so the moment before close-on-exec is set leaks nothing.)
     */
    int[] pipe(boolean nonBlockingRead) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            MemorySegment state = arena.allocate(captureLayout);
            if ((int) pipe.invokeExact(state, fds) != 0) {
                throw new IOException("pipe: errno " + errno(state));
            }
            int r = fds.getAtIndex(JAVA_INT, 0);
            int w = fds.getAtIndex(JAVA_INT, 1);
            try {
                fcntl(state, r, F_SETFD, FD_CLOEXEC);
                fcntl(state, w, F_SETFD, FD_CLOEXEC);
                if (nonBlockingRead) {
                    int flags = fcntl(state, r, F_GETFL, 0);
                    fcntl(state, r, F_SETFL, flags | oNonblock);
                }
            } catch (IOException e) {
                close(r);
                close(w);
                throw e;
            }
            return new int[] {r, w};
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    private int fcntl(MemorySegment state, int fd, int cmd, int arg) throws Throwable {
        int r = (int) fcntl.invokeExact(state, fd, cmd, arg);
        if (r < 0) {
            throw new IOException("fcntl: errno " + errno(state));
        }
        return r;
    }

    /**
     * poll(2) over {@code count} {@code struct pollfd} in {@code fds}, waiting up to {@code timeoutMs} (-1: no bound).
     * Returns the number ready, 0 on timeout or EINTR.
     */
    int poll(MemorySegment fds, int count, int timeoutMs, MemorySegment state) throws IOException {
        try {
            int r = mac ? (int) poll.invokeExact(state, fds, count, timeoutMs) : (int) poll.invokeExact(state, fds, (long) count, timeoutMs);
            if (r < 0) {
                int e = errno(state);
                if (e == EINTR) {
                    return 0;
                }
                throw new IOException("poll: errno " + e);
            }
            return r;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    /** Reads into {@code buf}; returns the count, 0 at end of stream, -1 when nothing is there now (EAGAIN or EINTR). */
    long read(int fd, MemorySegment buf, MemorySegment state) throws IOException {
        try {
            long n = (long) read.invokeExact(state, fd, buf, buf.byteSize());
            if (n >= 0) {
                return n;
            }
            int e = errno(state);
            if (e == eagain || e == EINTR) {
                return -1;
            }
            throw new IOException("read: errno " + e);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    /** Writes one byte (a wake-up); a full pipe or an error is ignored (a wake-up is already pending then). */
    void poke(int fd, MemorySegment oneByte, MemorySegment state) {
        try {
            long ignored = (long) write.invokeExact(state, fd, oneByte, 1L);
        } catch (Throwable e) {
            // nothing to do: the poller wakes on its own pending byte
        }
    }

    /** Closes {@code fd}; errors are ignored (there is nothing a caller could do). */
    void close(int fd) {
        try {
            int ignored = (int) close.invokeExact(fd);
        } catch (Throwable e) {
            // ignored
        }
    }

    MemorySegment allocateState(Arena arena) {
        return arena.allocate(captureLayout);
    }

    private int errno(MemorySegment state) {
        return (int) errno.get(state, 0L);
    }
}
