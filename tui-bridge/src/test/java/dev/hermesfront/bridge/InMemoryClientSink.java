package dev.hermesfront.bridge;

import dev.hermesfront.protocol.WireFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A client for tests: keeps every frame it is sent, can be made full (not writable) or gone (refuses frames),
 * and keeps "writable again" callbacks until {@link #drain} runs them. Thread-safe.
 */
public final class InMemoryClientSink implements ClientSink {
    private final List<WireFrame> frames = new ArrayList<>();
    private final List<Runnable> callbacks = new ArrayList<>();
    private boolean full;
    private boolean gone;
    private AgentExit exit;

    @Override
    public synchronized boolean send(WireFrame frame) {
        if (gone) {
            return false;
        }
        frames.add(frame);
        return true;
    }

    @Override
    public synchronized boolean awaitWritable(Duration timeout) {
        return !full && !gone;
    }

    @Override
    public synchronized boolean whenWritable(Runnable callback) {
        if (!full || gone) {
            return true;
        }
        callbacks.add(callback);
        return false;
    }

    @Override
    public synchronized void agentClosed(AgentExit e) {
        exit = e;
    }

    /** Returns every frame received, in order, as text. */
    public synchronized List<String> frames() {
        return frames.stream().map(WireFrame::text).toList();
    }

    /** Returns every frame received, in order, as the frames themselves. */
    public synchronized List<WireFrame> wires() {
        return new ArrayList<>(frames);
    }

    /** Returns and forgets the frames received so far, as text. */
    public synchronized List<String> take() {
        return takeWires().stream().map(WireFrame::text).toList();
    }

    /** Returns and forgets the frames received so far, as the frames themselves. */
    public synchronized List<WireFrame> takeWires() {
        List<WireFrame> r = new ArrayList<>(frames);
        frames.clear();
        return r;
    }

    /** Makes the client's queue full: not writable until {@link #drain}. */
    public synchronized void fill() {
        full = true;
    }

    /** Empties the queue and runs the "writable again" callbacks, outside this object's monitor. */
    public void drain() {
        List<Runnable> run;
        synchronized (this) {
            full = false;
            run = new ArrayList<>(callbacks);
            callbacks.clear();
        }
        run.forEach(Runnable::run);
    }

    /** Makes the client refuse every later frame, as a connection that was just cut off does. */
    public synchronized void cutOff() {
        gone = true;
    }

    public synchronized int pendingCallbacks() {
        return callbacks.size();
    }

    public synchronized AgentExit exit() {
        return exit;
    }
}
