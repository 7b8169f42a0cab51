package dev.hermesfront.gateway;

import dev.hermesfront.gateway.upstream.WsClient;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * The gateway's IO: one XNIO worker (IO threads plus the bounded worker pool), the WebSocket buffer pool, and
 * the WebSocket client that dials upstream {@code /api/ws} on that same worker ({@link WsClient}). Made once by
 * the composition root, before the launchers that dial with it, and closed with the server.
 *
 * <p>IO threads: one per core, at least 2. Worker pool: 16 threads, growing to 64 (blocking endpoint work).
 */
public final class ServerIo implements AutoCloseable {
    /** Size of one pooled WebSocket buffer, in bytes (direct). */
    static final int BUFFER_BYTES = 16 * 1024;

    private final XnioWorker worker;
    private final ByteBufferPool buffers;
    private final WsClient ws;

    private ServerIo(XnioWorker worker, ByteBufferPool buffers) {
        this.worker = worker;
        this.buffers = buffers;
        this.ws = new WsClient(worker, buffers);
    }

    /** Starts the worker's threads. */
    public static ServerIo create() {
        try {
            XnioWorker worker = Xnio.getInstance().createWorker(OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, Math.max(2, Runtime.getRuntime().availableProcessors()))
                    .set(Options.WORKER_TASK_CORE_THREADS, 16)
                    .set(Options.WORKER_TASK_MAX_THREADS, 64)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.WORKER_NAME, "hermes-front")
                    .getMap());
            return new ServerIo(worker, new DefaultByteBufferPool(true, BUFFER_BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the XNIO worker shared by the listener, the WebSocket deployment and the upstream client. */
    public XnioWorker worker() {
        return worker;
    }

    /** Returns the pooled buffers of WebSocket frames, both legs. */
    public ByteBufferPool buffers() {
        return buffers;
    }

    /** Returns the client that dials upstream {@code /api/ws} on this worker. */
    public WsClient ws() {
        return ws;
    }

    /** Stops the worker, waiting up to 5 s for its tasks. */
    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
