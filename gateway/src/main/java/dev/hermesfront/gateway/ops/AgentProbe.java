package dev.hermesfront.gateway.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.protocol.WireFrame;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A dry spawn: starts one agent with the gateway's launcher, waits (bounded) for its {@code gateway.ready}
 * event, and stops it. What readiness and {@code doctor} use to tell whether an agent can be started at all.
 * Blocks the calling thread; never call it on an IO thread.
 */
public final class AgentProbe {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentProbe() {}

    /**
     * What happened.
     *
     * @param ok      the agent sent {@code gateway.ready}
     * @param message what was seen, for a human; names no secret
     * @param millis  time from start to ready (or to the failure)
     */
    public record Result(boolean ok, String message, long millis) {}

    /** Starts one agent with {@code launcher} and waits up to {@code timeout} for its ready event. */
    public static Result run(AgentLauncher launcher, Duration timeout) {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        ClientSink sink = new ClientSink() {
            @Override
            public boolean send(WireFrame frame) {
                if (isReady(frame.text())) {
                    outcome.complete(null);
                }
                return true;
            }

            @Override
            public boolean awaitWritable(Duration t) {
                return true;
            }

            @Override
            public void agentClosed(AgentExit exit) {
                outcome.complete("the agent ended before gateway.ready: " + exit.reason());
            }
        };
        long t0 = System.nanoTime();
        AgentLink link;
        try {
            link = launcher.open(sink);
        } catch (IOException | RuntimeException e) {
            return new Result(false, "could not start the agent (" + launcher.kind() + "): " + e.getMessage(), ms(t0));
        }
        try {
            String failure = outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (failure != null) {
                return new Result(false, failure, ms(t0));
            }
            return new Result(true, launcher.kind() + " sent gateway.ready in " + ms(t0) + " ms", ms(t0));
        } catch (TimeoutException e) {
            return new Result(false, launcher.kind() + " sent no gateway.ready within " + timeout.toMillis() + " ms", ms(t0));
        } catch (ExecutionException e) {
            return new Result(false, "agent probe failed: " + e.getCause(), ms(t0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "agent probe interrupted", ms(t0));
        } finally {
            link.close();
        }
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Returns true for the agent's {@code event} frame of type {@code gateway.ready}. */
    static boolean isReady(String frame) {
        if (!frame.contains("gateway.ready")) {
            return false;
        }
        try {
            JsonNode n = JSON.readTree(frame);
            return "event".equals(n.path("method").asText()) && "gateway.ready".equals(n.path("params").path("type").asText());
        } catch (IOException e) {
            return false;
        }
    }
}
