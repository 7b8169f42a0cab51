package dev.hermesfront.gateway.ws;

import dev.hermesfront.gateway.ws.raw.RawWsConnection;
import dev.hermesfront.protocol.WireFrame;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * A client on our own framing ({@code tui.ws_engine = raw}): the upgraded socket as a server-side
 * {@link RawWsConnection}. Frames to the client are written as a small header plus the frame's own bytes, no copy,
 * and what {@link OutboundQueue} hands over during one IO round goes out in one gathering write.
 *
 * <p>What the client sends is read on the IO thread (masking, UTF-8 (1007), the size limit (1009) and the protocol
 * (1002) checked there, once) and handed to the endpoint on a worker, one task at a time, in order, as the Jakarta
 * engine does with {@code setDispatchToWorkerThread(true)}: opening an agent, policy and audit never run on an IO
 * thread. Reads pause while more than {@link #MAX_BACKLOG} messages or {@link #MAX_BACKLOG_BYTES} bytes wait for the
 * worker ({@link InboundBacklog}). The end of the connection
 * comes last, after every message before it.
 */
final class RawClientConnection implements ClientConnection, RawWsConnection.Listener {
    private static final System.Logger LOG = System.getLogger(RawClientConnection.class.getName());
    private static final AtomicLong IDS = new AtomicLong();
    /** Client messages waiting for the worker before reads pause. */
    static final int MAX_BACKLOG = 64;
    /** Bytes of client messages waiting for the worker before reads pause (a message bigger than this waits alone). */
    static final long MAX_BACKLOG_BYTES = 1 << 20;

    private final String id = "raw-" + Long.toHexString(IDS.incrementAndGet());
    private final RawWsConnection ws;
    private final Principal principal;
    private final Map<String, String> pathParameters;
    private final Map<String, List<String>> requestParameters;
    private final InetSocketAddress peer;
    private final Executor worker;
    private final IntConsumer onClose;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;
    private final InboundBacklog backlog = new InboundBacklog(MAX_BACKLOG, MAX_BACKLOG_BYTES);
    private volatile Receiver receiver;
    private volatile boolean open = true;
    private final AtomicBoolean reported = new AtomicBoolean();

    /**
     * @param onClose hears the close code once the connection ended (after every message), on the worker
     */
    RawClientConnection(RawWsConnection ws, Principal principal, Map<String, String> pathParameters, Map<String, List<String>> requestParameters,
                        InetSocketAddress peer, Executor worker, IntConsumer onClose) {
        this.ws = ws;
        this.principal = principal;
        this.pathParameters = Map.copyOf(pathParameters);
        this.requestParameters = Map.copyOf(requestParameters);
        this.peer = peer;
        this.worker = worker;
        this.onClose = onClose;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Executor eventLoop() {
        return ws.ioThread();
    }

    /** A successful send's result: immutable, so one serves every frame. */
    private static final SendResult OK = new SendResult();
    /** The completion adapter of the last handler (a client's {@link OutboundQueue}: always the same one), kept. */
    private volatile Adapter adapter;

    private record Adapter(SendHandler handler, RawWsConnection.Written written) {}

    @Override
    public void sendText(WireFrame frame, SendHandler handler) {
        boolean taken = ws.sendText(frame, written(handler));
        if (!taken) {
            handler.onResult(new SendResult(new IOException("connection closing")));
        }
    }

    /** Returns the completion adapter of {@code handler}, made once per handler, not once per frame (no lock: a race makes two). */
    private RawWsConnection.Written written(SendHandler handler) {
        Adapter a = adapter;
        if (a == null || a.handler() != handler) {
            a = new Adapter(handler, failure -> handler.onResult(failure == null ? OK : new SendResult(failure)));
            adapter = a;
        }
        return a.written();
    }

    /**
     * Sends our close frame after the frames queued before it and ends the endpoint's side now, as a Jakarta session's
     * {@code close} does (its {@code onClose} runs within the call): the caller (a reload revoking a credential, a
     * shutdown) may rely on the client having left when this returns. Called on the IO thread (a queue that drained
     * and closes), the endpoint hears it on its worker instead.
     */
    @Override
    public void close(CloseReason reason) {
        int code = reason.getCloseCode().getCode();
        ws.close(code, reason.getReasonPhrase());
        if (Thread.currentThread() == ws.ioThread()) {
            dispatch(() -> report(code));
        } else {
            report(code);
        }
    }

    /** Tells the endpoint the connection ended, once; no message is delivered after it. */
    private void report(int code) {
        if (reported.compareAndSet(false, true)) {
            open = false;
            receiver = null;
            onClose.accept(code);
        }
    }

    @Override
    public Principal principal() {
        return principal;
    }

    @Override
    public String pathParameter(String name) {
        return pathParameters.get(name);
    }

    @Override
    public Map<String, List<String>> requestParameters() {
        return requestParameters;
    }

    @Override
    public InetSocketAddress peerAddress() {
        return peer;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void sendPing(byte[] payload) {
        ws.ping(payload);
    }

    @Override
    public void receive(Receiver r) {
        receiver = r;
    }

    /** Runs {@code task} on the worker after every task handed in before it. */
    void dispatch(Runnable task) {
        boolean start;
        synchronized (tasks) {
            tasks.add(task);
            start = !running;
            running = true;
        }
        if (start) {
            try {
                worker.execute(this::drain);
            } catch (RejectedExecutionException e) {
                LOG.log(System.Logger.Level.DEBUG, "client {0}: worker stopping, dropped its tasks", id);
                synchronized (tasks) {
                    tasks.clear();
                    running = false;
                }
            }
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "client {0}: {1}", id, e.toString());
            }
        }
    }

    @Override
    public void onTexts(List<WireFrame> frames) {
        long size = 0;
        for (WireFrame f : frames) {
            size += f.length();
        }
        if (backlog.add(frames.size(), size)) {
            ws.suspendReads();
        }
        for (WireFrame f : frames) {
            dispatch(() -> {
                Receiver r = receiver;
                if (r != null) {
                    r.text(f.text());
                }
                if (backlog.done(f.length())) {
                    ws.resumeReads();
                }
            });
        }
    }

    @Override
    public void onBinary() {
        dispatch(() -> {
            Receiver r = receiver;
            if (r != null) {
                r.binary();
            }
        });
    }

    @Override
    public void onPong() {
        Receiver r = receiver;
        if (r != null) {
            r.pong(); // a time stamp: no need for the worker
        }
    }

    @Override
    public void onEnd(RawWsConnection.Ending how, int code, String reason) {
        open = false;
        dispatch(() -> report(code));
    }
}
