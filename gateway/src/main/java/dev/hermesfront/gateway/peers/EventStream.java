package dev.hermesfront.gateway.peers;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.xnio.IoUtils;
import org.xnio.XnioIoThread;
import org.xnio.channels.StreamSinkChannel;

/**
 * A server-sent event response written without blocking any thread: {@link #send} queues one {@code data:}
 * event, which is written on the exchange's IO thread when the socket takes it; its callback runs once the
 * event is flushed to the socket, which is how a producer paces itself (it sends its next event from that
 * callback, so the queue holds at most one event per producer). {@link #end} flushes what is queued and ends
 * the response. When the client goes away (a write fails) the queued callbacks are dropped and {@code onGone}
 * runs once.
 *
 * <p>Thread-safe: {@link #send} and {@link #end} may be called from any thread; the queue and the channel are
 * only touched on the exchange's IO thread, and the callbacks run there, so they must not block.
 */
final class EventStream {
    private static final System.Logger LOG = System.getLogger(EventStream.class.getName());

    private final HttpServerExchange ex;
    private final XnioIoThread io;
    private final Runnable onGone;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final List<Runnable> flushed = new ArrayList<>();
    private StreamSinkChannel channel;
    private boolean ending;
    private boolean shutdown;
    private boolean over;

    private record Pending(ByteBuffer bytes, Runnable whenWritten) {}

    private EventStream(HttpServerExchange ex, Runnable onGone) {
        this.ex = ex;
        this.io = ex.getIoThread();
        this.onGone = onGone;
    }

    /**
     * Starts a 200 {@code text/event-stream} response and sends its headers at once. Call on the exchange's IO
     * thread, with no response channel or sender taken yet.
     */
    static EventStream open(HttpServerExchange ex, Runnable onGone) {
        EventStream s = new EventStream(ex, onGone);
        ex.setStatusCode(200);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        s.channel = ex.getResponseChannel();
        s.channel.getWriteSetter().set(c -> s.pump());
        s.pump();
        return s;
    }

    /** Queues {@code data: DATA} (one line; DATA must hold no line break); {@code whenWritten} may be null. */
    void send(String data, Runnable whenWritten) {
        ByteBuffer bytes = ByteBuffer.wrap(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        onIoThread(() -> {
            if (!over && !ending) {
                queue.addLast(new Pending(bytes, whenWritten));
                pump();
            }
        });
    }

    /** Ends the response once everything queued is written. */
    void end() {
        onIoThread(() -> {
            ending = true;
            pump();
        });
    }

    private void onIoThread(Runnable r) {
        try {
            io.execute(r);
        } catch (RejectedExecutionException e) {
            // The server is stopping: the connection goes with it.
            LOG.log(System.Logger.Level.DEBUG, "fan-out stream dropped: the server is stopping");
        }
    }

    /** Writes what the socket takes; runs on the IO thread only. */
    private void pump() {
        if (over) {
            return;
        }
        try {
            while (!queue.isEmpty()) {
                Pending p = queue.peekFirst();
                channel.write(p.bytes());
                if (p.bytes().hasRemaining()) {
                    channel.resumeWrites();
                    return;
                }
                queue.pollFirst();
                if (p.whenWritten() != null) {
                    flushed.add(p.whenWritten());
                }
            }
            if (ending && !shutdown) {
                shutdown = true;
                channel.shutdownWrites();
            }
            if (!channel.flush()) {
                channel.resumeWrites();
                return;
            }
            channel.suspendWrites();
        } catch (IOException e) {
            gone(e);
            return;
        }
        if (shutdown) {
            over = true;
            return;
        }
        List<Runnable> ready = new ArrayList<>(flushed);
        flushed.clear();
        for (Runnable r : ready) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "fan-out event callback failed", e);
            }
        }
    }

    private void gone(IOException e) {
        over = true;
        queue.clear();
        flushed.clear();
        LOG.log(System.Logger.Level.DEBUG, "fan-out client left: {0}", e.getMessage());
        IoUtils.safeClose(ex.getConnection());
        onGone.run();
    }
}
