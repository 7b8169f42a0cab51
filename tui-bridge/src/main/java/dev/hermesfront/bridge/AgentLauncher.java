package dev.hermesfront.bridge;

import java.io.IOException;

/** Opens an {@link AgentLink} per client. Thread-safe. */
public interface AgentLauncher extends AutoCloseable {

    /** Opens a link whose output goes to {@code sink}; fails when the agent cannot be started. */
    AgentLink open(ClientSink sink) throws IOException;

    /**
     * Returns true when the agent behind this launcher has no liveness of its own on the client's socket (a
     * stdio child, an in-process demo or replay agent): the front then answers {@code gateway.ping} itself and
     * announces {@code heartbeat: true} in a current-wire ready (tui-wire-current.md §2, §3). False for an
     * upstream {@code /api/ws} (a dashboard, a peer), which answers its own pings: they pass through.
     */
    default boolean frontAnswersPings() {
        return true;
    }

    /** Returns what this launcher starts, for logs and {@code /health}, without secrets. */
    String kind();

    /** Stops every agent this launcher still has running, within a bounded time. */
    @Override
    void close();
}
