package dev.hermesfront.bridge.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to start a stdio agent: an argument list (never a shell line), a working directory, extra
 * environment, and how long to wait when stopping it.
 *
 * @param argv         program and arguments; not empty
 * @param cwd          working directory, or {@code null} for the gateway's own
 * @param env          variables added to the gateway's environment
 * @param stopGrace    time between closing stdin and SIGTERM to the agent's process group (default 5 s)
 * @param killGrace    time between SIGTERM and SIGKILL to the group (default 2 s)
 * @param inputBytes   bound of the queue towards the agent's stdin, in bytes
 * @param maxLineBytes longest stdout line accepted; a longer line is dropped and the client told (an error
 *                     response for the request it answered, or a {@code notification.show} event)
 * @param exitDrain    how long stdout is still read after the agent process exited, before its client is told
 *                     (close 1011) even though a process it left behind still holds stdout open (default 4 s: its
 *                     leftovers get SIGTERM 1 s after the exit and SIGKILL after {@code killGrace}, which closes the
 *                     pipe first unless a process left the group)
 */
public record AgentCommand(List<String> argv, Path cwd, Map<String, String> env, Duration stopGrace,
                           Duration killGrace, int inputBytes, int maxLineBytes, Duration exitDrain) {
    public AgentCommand {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("agent command is empty");
        }
        env = Map.copyOf(env);
        Objects.requireNonNull(stopGrace, "stopGrace");
        Objects.requireNonNull(killGrace, "killGrace");
        Objects.requireNonNull(exitDrain, "exitDrain");
    }

    /**
     * Returns a command with default graces and bounds (64 MiB in flight towards stdin, 256 MiB per stdout line,
     * 4 s of stdout drain after the agent exits).
     */
    public static AgentCommand of(List<String> argv, Path cwd, Map<String, String> env) {
        return new AgentCommand(argv, cwd, env, Duration.ofSeconds(5), Duration.ofSeconds(2), 64 << 20, 256 << 20,
                Duration.ofSeconds(4));
    }

    /** Returns a copy with other stop graces; the exit drain stays at least two seconds longer than the kill grace. */
    public AgentCommand withGraces(Duration stop, Duration kill) {
        Duration drain = exitDrain.compareTo(kill.plusSeconds(2)) < 0 ? kill.plusSeconds(2) : exitDrain;
        return new AgentCommand(argv, cwd, env, stop, kill, inputBytes, maxLineBytes, drain);
    }

    /** Returns a copy with another longest stdout line. */
    public AgentCommand withMaxLineBytes(int bytes) {
        return new AgentCommand(argv, cwd, env, stopGrace, killGrace, inputBytes, bytes, exitDrain);
    }

    /** Returns a copy with another stdout drain after the agent's exit. */
    public AgentCommand withExitDrain(Duration drain) {
        return new AgentCommand(argv, cwd, env, stopGrace, killGrace, inputBytes, maxLineBytes, drain);
    }

    /** Returns the program name only, for logs (arguments may hold secrets). */
    public String program() {
        return Path.of(argv.get(0)).getFileName().toString();
    }
}
