package dev.hermesfront.bridge;

import dev.hermesfront.protocol.WireFrame;

/**
 * One client's connection to an agent: frames in, frames out through the {@link ClientSink} the
 * link was opened with. Thread-safe.
 */
public interface AgentLink {

    /**
     * Hands one client frame to the agent without blocking.
     *
     * @return false when the agent is not accepting frames (stopped, or its input queue is full)
     */
    boolean send(WireFrame frame);

    /** Hands the agent a frame written as text: {@code send(WireFrame.of(text))}. */
    default boolean send(String text) {
        return send(WireFrame.of(text));
    }

    /**
     * Hands the agent a frame that carries a secret (a client's answer to a {@code sudo}, {@code secret} or
     * {@code vault.*} request, tui-wire-current.md §5.2): as {@link #send}, but decorators that log or record
     * frames must not keep its content.
     */
    default boolean sendPrivate(WireFrame frame) {
        return send(frame);
    }

    /**
     * Ends the link because the client left: the agent is asked to stop, then stopped. Idempotent;
     * returns at once, the agent is reaped in the background. No {@link ClientSink#agentClosed} follows.
     */
    void close();

    /** Returns a short description for logs, such as {@code pid 1234}. */
    String describe();
}
