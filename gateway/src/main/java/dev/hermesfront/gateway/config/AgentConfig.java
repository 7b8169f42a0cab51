package dev.hermesfront.gateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How {@code serve} starts one agent per attached /api/ws client.
 *
 * @param argv      the agent command, run without a shell
 * @param cwd       working directory; empty = the front's own
 * @param env       variables added to the agent's environment
 * @param stopGrace time between closing the agent's stdin and SIGTERM
 * @param exitDrain how long stdout is still read after the agent process exited
 * @param maxLineBytes longest agent stdout line
 * @param ws        a dashboard /api/ws to bridge to instead of starting processes ({@code agent.ws})
 * @param wsToken   the dashboard's session token for {@code ws}, sent on the loopback hop only
 * @param wsTicket  true when {@code ws} is a gated dashboard: a ticket is minted with {@code wsToken} for every dial
 */
public record AgentConfig(List<String> argv, Optional<Path> cwd, Map<String, String> env, Duration stopGrace, Duration exitDrain,
                          int maxLineBytes, Optional<URI> ws, Optional<Secret> wsToken, boolean wsTicket) {
    public AgentConfig {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }
}
