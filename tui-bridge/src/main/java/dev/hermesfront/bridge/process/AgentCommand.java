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
 * @param stopGrace    time between closing stdin and SIGTERM (default 5 s)
 * @param killGrace    time between SIGTERM and SIGKILL (default 2 s)
 * @param inputBytes   bound of the queue towards the agent's stdin, in bytes
 * @param maxLineBytes longest stdout line accepted; longer lines are dropped and logged
 */
public record AgentCommand(List<String> argv, Path cwd, Map<String, String> env, Duration stopGrace,
                           Duration killGrace, int inputBytes, int maxLineBytes) {
    public AgentCommand {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("agent command is empty");
        }
        env = Map.copyOf(env);
        Objects.requireNonNull(stopGrace, "stopGrace");
        Objects.requireNonNull(killGrace, "killGrace");
    }

    /** Returns a command with default graces and bounds (64 MiB in flight towards stdin, 256 MiB per stdout line). */
    public static AgentCommand of(List<String> argv, Path cwd, Map<String, String> env) {
        return new AgentCommand(argv, cwd, env, Duration.ofSeconds(5), Duration.ofSeconds(2), 64 << 20, 256 << 20);
    }

    /** Returns a copy with other stop graces. */
    public AgentCommand withGraces(Duration stop, Duration kill) {
        return new AgentCommand(argv, cwd, env, stop, kill, inputBytes, maxLineBytes);
    }

    /** Returns the program name only, for logs (arguments may hold secrets). */
    public String program() {
        return Path.of(argv.get(0)).getFileName().toString();
    }
}
