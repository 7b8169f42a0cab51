package dev.hermesfront.bridge.process;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An agent started with {@code posix_spawn(3)} through the FFM API instead of {@link ProcessBuilder}, so that the JDK
 * starts no {@code process reaper} thread for it (issue 22: that thread, blocked in {@code waitpid} for the child's
 * whole life, touched ~90 KB of memory per agent). The exit is learnt by {@code waitpid(WNOHANG)} when asked
 * ({@link #isAlive}, {@link #exitValue}): the launcher asks when the agent's stdout ends and on its periodic check.
 *
 * <p>As the JDK does for its children: stdin and stderr are pipes, stdout is the poller's pipe; every other descriptor
 * of the gateway is closed in the child ({@code posix_spawn_file_actions_addclosefrom_np} on Linux, glibc 2.34+;
 * {@code POSIX_SPAWN_CLOEXEC_DEFAULT} on macOS); the signal mask is emptied and SIGPIPE set back to its default. With
 * process groups the child is made the leader of a new session ({@code POSIX_SPAWN_SETSID}), as {@code setsid} did.
 *
 * <p>{@link #start} returns null when this system cannot spawn this way (no such calls, an older C library): the
 * launcher then uses {@link ProcessBuilder}. Thread-safe.
 */
final class SpawnedProcess extends Process {
    private static final System.Logger LOG = System.getLogger(SpawnedProcess.class.getName());
    private static final int SIGPIPE = 13;
    private static final int SIGTERM = 15;
    private static final int SIGKILL = 9;
    private static final int WNOHANG = 1;
    /** Generous sizes for the opaque C types (glibc: 80, 336 and 128 bytes; macOS: a pointer, a pointer, 4 bytes). */
    private static final long FILE_ACTIONS_BYTES = 512;
    private static final long ATTR_BYTES = 1024;
    private static final long SIGSET_BYTES = 256;

    /** The bound calls, or null where they are not available. */
    private static final Calls CALLS = Calls.load();

    private final long pid;
    private final OutputStream stdin;
    private final InputStream stderr;
    /** The exit status once reaped, else null. */
    private Integer exit;

    private SpawnedProcess(long pid, OutputStream stdin, InputStream stderr) {
        this.pid = pid;
        this.stdin = stdin;
        this.stderr = stderr;
    }

    /** Returns true when agents can be started this way here. */
    static boolean available() {
        return CALLS != null;
    }

    /**
     * Starts {@code argv} with the gateway's environment plus {@code env}, in {@code cwd} (null: the gateway's), its stdout
     * the pipe end {@code stdoutFd} (which the caller still owns and closes), a new session when {@code newSession}.
     *
     * @throws IOException when the program cannot be run (as {@link ProcessBuilder#start()} would throw)
     */
    static SpawnedProcess start(Posix posix, List<String> argv, Path cwd, Map<String, String> env, int stdoutFd, boolean newSession)
            throws IOException {
        String program = resolve(argv.get(0), cwd, env.containsKey("PATH") ? env.get("PATH") : System.getenv("PATH"));
        int[] in = posix.pipe(false);
        int[] err;
        try {
            err = posix.pipe(false);
        } catch (IOException e) {
            posix.close(in[0]);
            posix.close(in[1]);
            throw e;
        }
        long pid;
        try {
            pid = CALLS.spawn(program, argv, cwd, env, in[0], stdoutFd, err[1], newSession);
        } catch (IOException e) {
            posix.close(in[1]);
            posix.close(err[0]);
            throw e;
        } finally {
            posix.close(in[0]);
            posix.close(err[1]);
        }
        // Our ends as streams: opened by path (a new descriptor of the same pipe), then the raw ends closed.
        OutputStream stdin;
        InputStream stderr;
        try {
            stdin = new FileOutputStream(new File(Posix.path(in[1])));
            stderr = new FileInputStream(new File(Posix.path(err[0])));
        } finally {
            posix.close(in[1]);
            posix.close(err[0]);
        }
        return new SpawnedProcess(pid, stdin, stderr);
    }

    /** The program's absolute path: as given when it holds a slash (relative to {@code cwd}), else the first match on {@code path}. */
    private static String resolve(String program, Path cwd, String path) throws IOException {
        if (program.contains("/")) {
            Path p = cwd != null ? cwd.resolve(program) : Path.of(program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toAbsolutePath().toString(); // absolute: the child changes to cwd before it execs
            }
        } else if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p.toAbsolutePath().toString();
                }
            }
        }
        throw new IOException("Cannot run program \"" + program + "\": not found or not executable");
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    /** Stdout is read by the launcher's poller, not through the process. */
    @Override
    public InputStream getInputStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    /** Reaps the child if it has exited; returns its status, or null while it runs. */
    private synchronized Integer reap() {
        if (exit == null) {
            int status = CALLS.waitNoHang(pid);
            if (status != Calls.RUNNING) {
                exit = status;
            }
        }
        return exit;
    }

    @Override
    public boolean isAlive() {
        return reap() == null;
    }

    @Override
    public int exitValue() {
        Integer e = reap();
        if (e == null) {
            throw new IllegalThreadStateException("process " + pid + " has not exited");
        }
        return e;
    }

    @Override
    public int waitFor() throws InterruptedException {
        while (true) {
            Integer e = reap();
            if (e != null) {
                return e;
            }
            Thread.sleep(10);
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        long sleep = 1;
        while (reap() == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            Thread.sleep(Math.min(sleep, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
            sleep = Math.min(sleep * 2, 50);
        }
        return true;
    }

    @Override
    public void destroy() {
        signal(SIGTERM);
    }

    @Override
    public Process destroyForcibly() {
        signal(SIGKILL);
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    /** Signals the child, never a reaped pid (which the system may have given to another process). */
    private synchronized void signal(int sig) {
        if (reap() == null) {
            CALLS.kill(pid, sig);
        }
    }

    @Override
    public ProcessHandle toHandle() {
        return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("process " + pid + " is gone"));
    }

    @Override
    public Stream<ProcessHandle> children() {
        return ProcessHandle.of(pid).stream().flatMap(ProcessHandle::children);
    }

    @Override
    public Stream<ProcessHandle> descendants() {
        return ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants);
    }

    @Override
    public String toString() {
        return "SpawnedProcess[pid=" + pid + ", exitValue=" + (exit == null ? "\"not exited\"" : exit) + "]";
    }

    /** The posix_spawn family, waitpid and kill, bound once. */
    private static final class Calls {
        static final int RUNNING = Integer.MIN_VALUE;
        private final boolean mac;
        private final MethodHandle spawn;
        private final MethodHandle faInit;
        private final MethodHandle faDestroy;
        private final MethodHandle faDup2;
        private final MethodHandle faChdir;
        private final MethodHandle faCloseFrom;
        private final MethodHandle attrInit;
        private final MethodHandle attrDestroy;
        private final MethodHandle attrSetFlags;
        private final MethodHandle attrSetSigMask;
        private final MethodHandle attrSetSigDefault;
        private final MethodHandle sigEmptySet;
        private final MethodHandle sigAddSet;
        private final MethodHandle waitpid;
        private final MethodHandle kill;
        private final short flagSetsid;
        private final short flagCloexecDefault;

        private Calls(boolean mac) {
            this.mac = mac;
            Linker linker = Linker.nativeLinker();
            spawn = handle(linker, "posix_spawn", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            faInit = handle(linker, "posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            faDestroy = handle(linker, "posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            faDup2 = handle(linker, "posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
            faChdir = handle(linker, "posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            faCloseFrom = mac ? null
                    : handle(linker, "posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            attrInit = handle(linker, "posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            attrDestroy = handle(linker, "posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            attrSetFlags = handle(linker, "posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
            attrSetSigMask = handle(linker, "posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            attrSetSigDefault = handle(linker, "posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            sigEmptySet = handle(linker, "sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            sigAddSet = handle(linker, "sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            waitpid = handle(linker, "waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            kill = handle(linker, "kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
            flagSetsid = (short) (mac ? 0x400 : 0x80);
            flagCloexecDefault = (short) (mac ? 0x4000 : 0);
        }

        private static MethodHandle handle(Linker linker, String name, FunctionDescriptor fd, Linker.Option... options) {
            MemorySegment symbol = linker.defaultLookup().find(name).orElseThrow(() -> new UnsupportedOperationException(name));
            return linker.downcallHandle(symbol, fd, options);
        }

        static Calls load() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            boolean mac = os.contains("mac");
            if (!mac && !os.contains("linux")) {
                return null;
            }
            try {
                return new Calls(mac);
            } catch (Throwable e) { // a missing symbol (glibc before 2.34 has no addclosefrom_np), native access denied
                LOG.log(System.Logger.Level.INFO, "agents are started by the JDK (a process reaper thread each): {0}", e.toString());
                return null;
            }
        }

        long spawn(String program, List<String> argv, Path cwd, Map<String, String> env, int stdin, int stdout, int stderr,
                   boolean newSession) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment fa = arena.allocate(FILE_ACTIONS_BYTES, 16);
                MemorySegment attr = arena.allocate(ATTR_BYTES, 16);
                check("posix_spawn_file_actions_init", (int) faInit.invokeExact(fa));
                check("posix_spawnattr_init", (int) attrInit.invokeExact(attr));
                try {
                    check("adddup2", (int) faDup2.invokeExact(fa, stdin, 0));
                    check("adddup2", (int) faDup2.invokeExact(fa, stdout, 1));
                    check("adddup2", (int) faDup2.invokeExact(fa, stderr, 2));
                    if (cwd != null) {
                        check("addchdir_np", (int) faChdir.invokeExact(fa, arena.allocateFrom(cwd.toString())));
                    }
                    if (faCloseFrom != null) {
                        check("addclosefrom_np", (int) faCloseFrom.invokeExact(fa, 3));
                    }
                    MemorySegment none = arena.allocate(SIGSET_BYTES, 16);
                    check("sigemptyset", (int) sigEmptySet.invokeExact(none));
                    check("setsigmask", (int) attrSetSigMask.invokeExact(attr, none));
                    MemorySegment pipe = arena.allocate(SIGSET_BYTES, 16);
                    check("sigemptyset", (int) sigEmptySet.invokeExact(pipe));
                    check("sigaddset", (int) sigAddSet.invokeExact(pipe, SIGPIPE));
                    check("setsigdefault", (int) attrSetSigDefault.invokeExact(attr, pipe));
                    // POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK, the same on both systems
                    short flags = (short) (0x04 | 0x08 | flagCloexecDefault | (newSession ? flagSetsid : 0));
                    check("setflags", (int) attrSetFlags.invokeExact(attr, flags));
                    MemorySegment argvC = strings(arena, argv);
                    MemorySegment envC = strings(arena, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
                    MemorySegment pidOut = arena.allocate(JAVA_INT);
                    int rc = (int) spawn.invokeExact(pidOut, arena.allocateFrom(program), fa, attr, argvC, envC);
                    if (rc != 0) {
                        throw new IOException("Cannot run program \"" + argv.get(0) + "\": posix_spawn error " + rc);
                    }
                    return pidOut.get(JAVA_INT, 0);
                } finally {
                    int ignored = (int) faDestroy.invokeExact(fa);
                    ignored = (int) attrDestroy.invokeExact(attr);
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IOException(e);
            }
        }

        private static void check(String what, int rc) throws IOException {
            if (rc != 0) {
                throw new IOException(what + " failed: " + rc);
            }
        }

        private static MemorySegment strings(Arena arena, List<String> list) {
            MemorySegment array = arena.allocate(ADDRESS, list.size() + 1L);
            for (int i = 0; i < list.size(); i++) {
                array.setAtIndex(ADDRESS, i, arena.allocateFrom(list.get(i)));
            }
            array.setAtIndex(ADDRESS, list.size(), MemorySegment.NULL);
            return array;
        }

        /** waitpid(pid, WNOHANG): the exit status as the JDK reports it (code, or 128 + signal), or RUNNING. */
        int waitNoHang(long pid) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment status = arena.allocate(JAVA_INT);
                int r = (int) waitpid.invokeExact((int) pid, status, WNOHANG);
                if (r == 0) {
                    return RUNNING;
                }
                if (r < 0) {
                    // ECHILD: reaped by someone else (never by us twice); the status is lost.
                    return -1;
                }
                int s = status.get(JAVA_INT, 0);
                int sig = s & 0x7f;
                return sig == 0 ? (s >> 8) & 0xff : 128 + sig;
            } catch (Throwable e) {
                throw new IllegalStateException("waitpid " + pid, e);
            }
        }

        void kill(long pid, int sig) {
            try {
                int ignored = (int) kill.invokeExact((int) pid, sig);
            } catch (Throwable e) {
                // the process is gone
            }
        }
    }
}
