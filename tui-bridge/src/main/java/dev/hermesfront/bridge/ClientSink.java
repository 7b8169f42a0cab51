package dev.hermesfront.bridge;

import java.time.Duration;

/**
 * The client side of a bridge, as an agent link sees it.
 *
 * <p>Implementations are thread-safe. {@link #send} never blocks; a link that produces frames from
 * its own thread may call {@link #awaitWritable} first so that it reads from the agent only as fast
 * as the client accepts.
 */
public interface ClientSink {

    /**
     * Queues one frame for the client, exactly as given.
     *
     * @return false when the client is gone or its queue overflowed (the sink then closes the client)
     */
    boolean send(String frame);

    /**
     * Waits until the client's queue is below its high-water mark. A client that did not make room
     * within a non-zero {@code timeout} is disconnected by the sink; the caller just carries on sending.
     *
     * @return false when that did not happen within {@code timeout}, or the client is gone
     */
    boolean awaitWritable(Duration timeout) throws InterruptedException;

    /** Tells the client the agent is gone; queued frames are still delivered first. Called at most once. */
    void agentClosed(AgentExit exit);
}
