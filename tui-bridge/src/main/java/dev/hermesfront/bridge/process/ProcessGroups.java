package dev.hermesfront.bridge.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts each agent as the leader of its own session and process group, and signals whole groups, so that
 * nothing an agent starts outlives it.
 *
 * <p>Where util-linux's {@code setsid} is installed (Linux), the agent is started as {@code setsid ARGV…}:
 * {@code setsid} calls {@code setsid(2)} and execs the agent in place, so the agent keeps the pid the
 * gateway sees, and that pid is also its process group id. Its children join the group unless they leave it
 * themselves. A group is signalled with {@code kill -s SIG -- -PGID}, which reaches every member at once,
 * the agent's orphans included after it has exited.
 *
 * <p>Elsewhere (macOS has no {@code setsid} command) {@link #none()} is used: the agent runs in the
 * gateway's group, and the link falls back to walking the agent's descendants while it is alive.
 *
 * <p>Thread-safe.
 */
final class ProcessGroups {
    private static final System.Logger LOG = System.getLogger(ProcessGroups.class.getName());
    /** Where {@code setsid} and {@code kill} are looked for; the gateway's own PATH is not consulted. */
    private static final List<String> BIN_DIRS = List.of("/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin");
    /** Most process groups named in one {@code kill} command line. */
    private static final int GROUPS_PER_KILL = 256;

    private final Path setsid;
    private final Path kill;

    private ProcessGroups(Path setsid, Path kill) {
        this.setsid = setsid;
        this.kill = kill;
    }

    /** Returns process groups where {@code setsid} and {@code kill} are installed, else {@link #none()}. */
    static ProcessGroups detect() {
        Path s = find("setsid");
        Path k = find("kill");
        if (s == null || k == null) {
            LOG.log(System.Logger.Level.INFO, "no setsid/kill commands found: agents share the gateway''s process group, "
                    + "and only their live descendants are stopped with them");
            return none();
        }
        return new ProcessGroups(s, k);
    }

    /** Returns the fallback without process groups. */
    static ProcessGroups none() {
        return new ProcessGroups(null, null);
    }

    private static Path find(String name) {
        for (String dir : BIN_DIRS) {
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Returns true when agents get their own process group. */
    boolean enabled() {
        return setsid != null;
    }

    /** Returns the command line that starts {@code argv} in a new session and process group. */
    List<String> wrap(List<String> argv) {
        if (!enabled()) {
            return argv;
        }
        List<String> wrapped = new ArrayList<>(argv.size() + 1);
        wrapped.add(setsid.toString());
        wrapped.addAll(argv);
        return wrapped;
    }

    /**
     * Sends {@code signal} ({@code TERM} or {@code KILL}) to every process of each group; waits at most 5 s.
     *
     * @return true when at least one process was signalled (false also when there are no process groups)
     */
    boolean signal(String signal, Collection<Long> groups) {
        if (!enabled() || groups.isEmpty()) {
            return false;
        }
        boolean any = false;
        List<Long> all = List.copyOf(groups);
        for (int from = 0; from < all.size(); from += GROUPS_PER_KILL) {
            List<String> cmd = new ArrayList<>();
            cmd.add(kill.toString());
            cmd.add("-s");
            cmd.add(signal);
            cmd.add("--");
            for (Long g : all.subList(from, Math.min(all.size(), from + GROUPS_PER_KILL))) {
                cmd.add("-" + g);
            }
            any |= run(cmd);
        }
        return any;
    }

    /** Runs {@code kill}; exit status 0 means every group named had a process (status 1: at least one had none). */
    private static boolean run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            // With several groups, status 1 can still mean some were signalled; callers treat "maybe" as yes.
            return p.exitValue() == 0 || cmd.size() > 5;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot run kill: {0}", e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
