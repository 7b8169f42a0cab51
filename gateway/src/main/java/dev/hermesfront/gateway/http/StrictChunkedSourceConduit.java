package dev.hermesfront.gateway.http;

import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.ImmediatePooledByteBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Decodes a chunked request body by the letter of RFC 9112 §7.1, in place of Undertow's decoder, which
 * reads a chunk-size line such as {@code zz} as the last chunk and so turns a malformed body into a
 * complete empty one (issue 11). Grammar accepted: {@code 1*16HEXDIG [BWS ";" ext] CRLF data CRLF … "0"
 * [ext] CRLF *(field-line CRLF) CRLF}; an extension may hold any visible character, space or tab; lines
 * end in CRLF only. The grammar is {@link ChunkedSyntax}'s. Anything else fails the read with
 * {@link ChunkedSyntax.InvalidChunkedBodyException}, which leaves
 * the connection to the caller (so a 400 can still be sent). Enforces the exchange's max entity size
 * ({@link RequestTooBigException}). Bytes after the body (a pipelined request) are handed back to the
 * connection. Used on one exchange by its IO thread (or a worker blocking on it), one at a time.
 */
final class StrictChunkedSourceConduit extends ReadThroughSourceConduit {
    private final HttpServerExchange exchange;
    private final ChunkedSyntax syntax = new ChunkedSyntax("request body");
    private final ByteBuffer raw = ByteBuffer.allocate(8192).flip();
    private long total;
    private boolean finished;
    private IOException failure;

    StrictChunkedSourceConduit(StreamSourceConduit next, HttpServerExchange exchange) {
        super(next);
        this.exchange = exchange;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (finished) {
            return -1;
        }
        int copied = 0;
        while (dst.hasRemaining()) {
            if (!raw.hasRemaining()) {
                raw.clear();
                int r;
                try {
                    r = next.read(raw);
                } finally {
                    raw.flip();
                }
                if (r == -1) {
                    throw fail(new ClosedChannelException());
                }
                if (r == 0) {
                    break;
                }
            }
            try {
                copied += decode(dst);
            } catch (IOException e) {
                throw fail(e);
            }
            if (syntax.done()) {
                finish();
                return copied > 0 ? copied : -1;
            }
        }
        return copied;
    }

    /** Consumes framing bytes from {@code raw} and copies data bytes into {@code dst}; returns the data copied. */
    private int decode(ByteBuffer dst) throws IOException {
        int copied = 0;
        while (raw.hasRemaining() && dst.hasRemaining() && !syntax.done()) {
            long inChunk = syntax.dataRemaining();
            if (inChunk > 0) {
                int n = (int) Math.min(inChunk, Math.min(raw.remaining(), dst.remaining()));
                int limit = raw.limit();
                raw.limit(raw.position() + n);
                dst.put(raw);
                raw.limit(limit);
                syntax.data(n);
                copied += n;
                total += n;
                long max = exchange.getMaxEntitySize();
                if (max > 0 && total > max) {
                    exchange.setPersistent(false);
                    throw new RequestTooBigException("request body over " + max + " bytes");
                }
                continue;
            }
            syntax.step(raw.get());
        }
        return copied;
    }

    private IOException fail(IOException e) {
        failure = e;
        exchange.setPersistent(false);
        return e;
    }

    /** Body complete: hands bytes read past it back to the connection and ends the request. */
    private void finish() {
        finished = true;
        if (raw.hasRemaining() && exchange.getConnection() instanceof HttpServerConnection c) {
            ByteBuffer rest = ByteBuffer.allocate(raw.remaining());
            rest.put(raw).flip();
            c.ungetRequestBytes(new ImmediatePooledByteBuffer(rest));
        }
        Connectors.terminateRequest(exchange);
    }


    @Override
    public void terminateReads() throws IOException {
        if (!finished) {
            exchange.setPersistent(false);
            next.terminateReads();
        }
    }

    @Override
    public void resumeReads() {
        if (raw.hasRemaining() || finished || failure != null) {
            // Bytes already buffered here: the socket may never become readable again for them.
            wakeupReads();
        } else {
            next.resumeReads();
        }
    }

    @Override
    public void awaitReadable() throws IOException {
        if (!raw.hasRemaining() && !finished && failure == null) {
            next.awaitReadable();
        }
    }

    @Override
    public void awaitReadable(long time, TimeUnit timeUnit) throws IOException {
        if (!raw.hasRemaining() && !finished && failure == null) {
            next.awaitReadable(time, timeUnit);
        }
    }
}
