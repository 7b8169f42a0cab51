package dev.hermesfront.bridge;

import dev.hermesfront.protocol.WireFrame;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * A {@link ClientSink} that hands everything to another one; decorators (ready announcement, recording, peer
 * health) extend it and override only what they change, so that pacing ({@link #awaitWritable},
 * {@link #whenWritable}) is never lost on the way. Thread-safe when the delegate is.
 */
public abstract class ForwardingClientSink implements ClientSink {
    private final ClientSink delegate;

    protected ForwardingClientSink(ClientSink delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean send(WireFrame frame) {
        return delegate.send(frame);
    }

    @Override
    public boolean awaitWritable(Duration timeout) throws InterruptedException {
        return delegate.awaitWritable(timeout);
    }

    @Override
    public boolean whenWritable(Runnable callback) {
        return delegate.whenWritable(callback);
    }

    @Override
    public Executor eventLoop() {
        return delegate.eventLoop();
    }

    @Override
    public void agentClosed(AgentExit exit) {
        delegate.agentClosed(exit);
    }
}
