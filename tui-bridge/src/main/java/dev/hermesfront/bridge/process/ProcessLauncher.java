package dev.hermesfront.bridge.process;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts one agent child process per client (tui-wire.md §8.7: one process per connection keeps
 * ids and session routing transparent). Thread-safe.
 */
public final class ProcessLauncher implements AgentLauncher {
    private static final System.Logger LOG = System.getLogger(ProcessLauncher.class.getName());

    private final AgentCommand command;
    private final ScheduledExecutorService reaper;
    private final Set<ProcessAgentLink> live = ConcurrentHashMap.newKeySet();

    public ProcessLauncher(AgentCommand command) {
        this.command = command;
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-reaper");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public AgentLink open(ClientSink sink) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command.argv());
        if (command.cwd() != null) {
            pb.directory(command.cwd().toFile());
        }
        pb.environment().putAll(command.env());
        Process p = pb.start();
        LOG.log(System.Logger.Level.INFO, "agent {0} started (pid {1,number,#})", command.program(), p.pid());
        ProcessAgentLink[] self = new ProcessAgentLink[1];
        ProcessAgentLink link = new ProcessAgentLink(p, command, sink, reaper, () -> live.remove(self[0]));
        self[0] = link;
        live.add(link);
        link.start();
        return link;
    }

    @Override
    public String kind() {
        return "stdio:" + command.program();
    }

    /** Returns how many agent processes are running. */
    public int liveCount() {
        return (int) live.stream().filter(ProcessAgentLink::isAlive).count();
    }

    @Override
    public void close() {
        live.forEach(ProcessAgentLink::close);
        Duration bound = command.stopGrace().plus(command.killGrace()).plus(Duration.ofSeconds(1));
        CompletableFuture<?>[] exits = live.stream().map(ProcessAgentLink::exit).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "agents still running after {0} ms; killing them", bound.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        live.forEach(ProcessAgentLink::kill);
        reaper.shutdownNow();
    }
}
