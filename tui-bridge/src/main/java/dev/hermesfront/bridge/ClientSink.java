package dev.hermesfront.bridge;

import dev.hermesfront.protocol.WireFrame;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The client side of a bridge, as an agent link sees it.
 *
 * <p>Implementations are thread-safe. {@link #send} never blocks. A link reads from the agent only as fast
 * as the client accepts: a link with its own reader thread calls {@link #awaitWritable} before each frame;
 * a link driven by callbacks (an upstream WebSocket) asks for the next frame from {@link #whenWritable}.
 */
public interface ClientSink {

    /**
     * Queues one frame for the client, exactly as given (its bytes; nothing is decoded on the way unless a
     * router must read more than its head).
     *
     * @return false when the client is gone or its queue overflowed (the sink then closes the client)
     */
    boolean send(WireFrame frame);

    /** Queues a frame the front or an in-process agent wrote as text: {@code send(WireFrame.of(text))}. */
    default boolean send(String text) {
        return send(WireFrame.of(text));
    }

    /**
     * Waits until the client's queue is below its high-water mark. A client that did not make room
     * within a non-zero {@code timeout} is disconnected by the sink; the caller just carries on sending.
     *
     * @return false when that did not happen within {@code timeout}, or the client is gone
     */
    boolean awaitWritable(Duration timeout) throws InterruptedException;

    /**
     * Asks to be told, without blocking, when the client's queue is below its high-water mark again ("writable
     * again"; the non-blocking twin of {@link #awaitWritable}, as Netty's {@code channelWritabilityChanged}).
     *
     * @param callback run once, on whatever thread drains the queue, when there is room again or the client is
     *                 gone (then the link carries on and what follows is parked or dropped); it must not block
     * @return true when the client is writable now: the callback is then not kept and the caller carries on;
     *         false when the callback will run later, exactly once. A client that stays full is cut off by the
     *         sink after its stall bound, which runs the callback too. The default says "always writable", for
     *         sinks that never hold frames back.
     */
    default boolean whenWritable(Runnable callback) {
        return true;
    }

    /**
     * Returns the event loop (IO thread) that writes this client's frames, or null when there is none (a parking
     * buffer, a test). A link that reads its agent on event loops reads it on this one when it can, so that a frame
     * is written by the thread that read it, with no hand-over between threads.
     */
    default Executor eventLoop() {
        return null;
    }

    /** Tells the client the agent is gone; queued frames are still delivered first. Called at most once. */
    void agentClosed(AgentExit exit);
}
