package dev.hermesfront.bridge;

import dev.hermesfront.protocol.WireFrame;
import java.util.ArrayList;
import java.util.List;

/** An agent link for tests: keeps what the client side sent, in order, and whether it was private. Thread-safe. */
public final class FakeAgentLink implements AgentLink {
    private final List<String> sent = new ArrayList<>();
    private final List<Boolean> privates = new ArrayList<>();
    private boolean closed;
    private boolean refuse;

    @Override
    public synchronized boolean send(WireFrame wire) {
        String frame = wire.text();
        if (refuse || closed) {
            return false;
        }
        sent.add(frame);
        privates.add(false);
        return true;
    }

    @Override
    public synchronized boolean sendPrivate(WireFrame wire) {
        String frame = wire.text();
        if (refuse || closed) {
            return false;
        }
        sent.add(frame);
        privates.add(true);
        return true;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    @Override
    public String describe() {
        return "fake agent";
    }

    /** Returns the frames the agent received, in order. */
    public synchronized List<String> sent() {
        return new ArrayList<>(sent);
    }

    /** Returns the last frame the agent received. */
    public synchronized String last() {
        return sent.isEmpty() ? null : sent.get(sent.size() - 1);
    }

    /** Returns whether the i-th frame was handed over as private (a secret answer). */
    public synchronized boolean wasPrivate(int i) {
        return privates.get(i);
    }

    public synchronized boolean closed() {
        return closed;
    }

    /** Makes the link refuse frames, as a full or stopped agent does. */
    public synchronized void refuse() {
        refuse = true;
    }
}
