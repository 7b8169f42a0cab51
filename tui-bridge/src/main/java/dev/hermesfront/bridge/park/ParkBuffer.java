package dev.hermesfront.bridge.park;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.protocol.WireFrame;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The frames a parked client has not received yet, kept in order for whoever comes back: bounded by the
 * {@link ParkingPolicy} (frames and bytes) and by the gateway's {@link MemoryBudget}. Past either bound
 * it {@linkplain #overflowed overflows}: everything it held is dropped and counted, later frames are counted
 * only, and {@code onOverflow} runs once (the agent is then given up).
 *
 * <p>A client sink while parked: never paces the agent ({@link #awaitWritable} and {@link #whenWritable} say
 * "writable"), since its bound, not waiting, is what limits a detached agent. Not thread-safe: its owner
 * (the agent's hub) guards it.
 */
public final class ParkBuffer implements ClientSink {
    private final ParkingPolicy policy;
    private final MemoryBudget.Account account;
    private final Runnable onOverflow;
    private final ArrayDeque<WireFrame> frames = new ArrayDeque<>();
    private long bytes;
    private boolean overflowed;
    private int dropped;

    public ParkBuffer(ParkingPolicy policy, MemoryBudget.Account account, Runnable onOverflow) {
        this.policy = policy;
        this.account = account;
        this.onOverflow = onOverflow;
    }

    @Override
    public boolean send(WireFrame frame) {
        if (overflowed) {
            dropped++;
            return false;
        }
        long cost = MemoryBudget.cost(frame);
        if (frames.size() + 1 > policy.maxFrames() || bytes + frame.length() > policy.maxBytes() || !account.reserve(cost)) {
            overflow(1);
            return false;
        }
        frames.addLast(frame);
        bytes += frame.length();
        return true;
    }

    /** Puts {@code unsent} (frames a leaving client never received, oldest first) before everything held. */
    public void prepend(List<WireFrame> unsent) {
        if (overflowed) {
            dropped += unsent.size();
            return;
        }
        for (int i = unsent.size() - 1; i >= 0; i--) {
            WireFrame f = unsent.get(i);
            account.reserve(MemoryBudget.cost(f)); // already in memory: counted, never refused
            frames.addFirst(f);
            bytes += f.length();
        }
        if (frames.size() > policy.maxFrames() || bytes > policy.maxBytes()) {
            overflow(0);
        }
    }

    private void overflow(int extra) {
        overflowed = true;
        dropped += frames.size() + extra;
        frames.clear();
        bytes = 0;
        account.release(account.held());
        onOverflow.run();
    }

    /** Sends everything held to {@code sink}, in order, and empties the buffer; returns how many. */
    public int drainTo(ClientSink sink) {
        int n = frames.size();
        WireFrame f;
        while ((f = frames.pollFirst()) != null) {
            account.release(MemoryBudget.cost(f));
            sink.send(f);
        }
        bytes = 0;
        return n;
    }

    /** Returns true when this very frame is held (identity, not equality). */
    public boolean holds(WireFrame frame) {
        for (WireFrame f : frames) {
            if (f == frame) {
                return true;
            }
        }
        return false;
    }

    /** Returns the frames held. */
    public int size() {
        return frames.size();
    }

    /** Returns true once a bound was exceeded. */
    public boolean overflowed() {
        return overflowed;
    }

    /** Returns the frames dropped by overflow. */
    public int dropped() {
        return dropped;
    }

    /** Drops everything and gives its memory back. */
    public void close() {
        frames.clear();
        bytes = 0;
        account.close();
    }

    @Override
    public boolean awaitWritable(Duration timeout) {
        return true;
    }

    @Override
    public void agentClosed(AgentExit exit) {
        // The hub reports an exit while parked to the registry; nothing to tell a buffer.
    }
}
