package dev.hermesfront.bridge;

import java.io.IOException;

/** Opens an {@link AgentLink} per client. Thread-safe. */
public interface AgentLauncher extends AutoCloseable {

    /** Opens a link whose output goes to {@code sink}; fails when the agent cannot be started. */
    AgentLink open(ClientSink sink) throws IOException;

    /** Returns what this launcher starts, for logs and {@code /health}, without secrets. */
    String kind();

    /** Stops every agent this launcher still has running, within a bounded time. */
    @Override
    void close();
}
