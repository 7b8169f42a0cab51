package dev.hermesfront.gateway.http;

import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.ImmediatePooledByteBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Decodes a chunked request body by the letter of RFC 9112 §7.1, in place of Undertow's decoder, which
 * reads a chunk-size line such as {@code zz} as the last chunk and so turns a malformed body into a
 * complete empty one (issue 11). Grammar accepted: {@code 1*16HEXDIG [BWS ";" ext] CRLF data CRLF … "0"
 * [ext] CRLF *(field-line CRLF) CRLF}; an extension may hold any visible character, space or tab; lines
 * end in CRLF only. Anything else fails the read with {@link InvalidChunkedBodyException}, which leaves
 * the connection to the caller (so a 400 can still be sent). Enforces the exchange's max entity size
 * ({@link RequestTooBigException}). Bytes after the body (a pipelined request) are handed back to the
 * connection. Used on one exchange by its IO thread (or a worker blocking on it), one at a time.
 */
final class StrictChunkedSourceConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {
    /** Longest chunk-size line (with its extensions), and longest trailer section, in bytes. */
    static final int MAX_LINE = 4096;

    /** A chunked body that does not follow the grammar; the message says where it went wrong. */
    static final class InvalidChunkedBodyException extends IOException {
        private static final long serialVersionUID = 1L;

        InvalidChunkedBodyException(String message) {
            super(message);
        }
    }

    private enum State { SIZE, EXT, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_START, TRAILER_LINE, TRAILER_LF, END_LF, DONE }

    private final HttpServerExchange exchange;
    private final ByteBuffer raw = ByteBuffer.allocate(8192).flip();
    private State state = State.SIZE;
    private long chunkRemaining;
    private int digits;
    private int lineBytes;
    private int trailerBytes;
    private int trailerLineBytes;
    private boolean trailerHasColon;
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
            if (state == State.DONE) {
                finish();
                return copied > 0 ? copied : -1;
            }
        }
        return copied;
    }

    /** Consumes framing bytes from {@code raw} and copies data bytes into {@code dst}; returns the data copied. */
    private int decode(ByteBuffer dst) throws IOException {
        int copied = 0;
        while (raw.hasRemaining() && dst.hasRemaining() && state != State.DONE) {
            if (state == State.DATA) {
                int n = (int) Math.min(chunkRemaining, Math.min(raw.remaining(), dst.remaining()));
                int limit = raw.limit();
                raw.limit(raw.position() + n);
                dst.put(raw);
                raw.limit(limit);
                chunkRemaining -= n;
                copied += n;
                total += n;
                long max = exchange.getMaxEntitySize();
                if (max > 0 && total > max) {
                    exchange.setPersistent(false);
                    throw new RequestTooBigException("request body over " + max + " bytes");
                }
                if (chunkRemaining == 0) {
                    state = State.DATA_CR;
                }
                continue;
            }
            step(raw.get());
        }
        return copied;
    }

    private void step(byte b) throws InvalidChunkedBodyException {
        switch (state) {
            case SIZE -> {
                int d = Character.digit(b, 16);
                if (d >= 0 && b < 0x80) {
                    if (++digits > 16) {
                        throw invalid("chunk size longer than 16 hex digits");
                    }
                    chunkRemaining = (chunkRemaining << 4) | d;
                    line();
                } else if (digits == 0) {
                    throw invalid("chunk size is not a hexadecimal number");
                } else if (b == ';' || b == ' ' || b == '\t') {
                    state = State.EXT;
                    line();
                } else if (b == '\r') {
                    state = State.SIZE_LF;
                } else {
                    throw invalid("unexpected byte after the chunk size");
                }
            }
            case EXT -> {
                if (b == '\r') {
                    state = State.SIZE_LF;
                } else if (b == '\t' || (b >= 0x20 && b != 0x7f) || b < 0) {
                    line();
                } else {
                    throw invalid("control character in a chunk extension");
                }
            }
            case SIZE_LF -> {
                expect(b, '\n', "chunk-size line not ended by CRLF");
                digits = 0;
                lineBytes = 0;
                if (chunkRemaining < 0) {
                    throw invalid("chunk size out of range");
                }
                state = chunkRemaining == 0 ? State.TRAILER_START : State.DATA;
            }
            case DATA_CR -> {
                expect(b, '\r', "chunk data longer than its size");
                state = State.DATA_LF;
            }
            case DATA_LF -> {
                expect(b, '\n', "chunk data not ended by CRLF");
                state = State.SIZE;
            }
            case TRAILER_START -> {
                if (b == '\r') {
                    state = State.END_LF;
                } else {
                    trailerHasColon = false;
                    trailerLineBytes = 0;
                    state = State.TRAILER_LINE;
                    trailer(b);
                }
            }
            case TRAILER_LINE -> {
                if (b == '\r') {
                    if (!trailerHasColon) {
                        throw invalid("trailer line without a field name and colon");
                    }
                    state = State.TRAILER_LF;
                } else {
                    trailer(b);
                }
            }
            case TRAILER_LF -> {
                expect(b, '\n', "trailer line not ended by CRLF");
                state = State.TRAILER_START;
            }
            case END_LF -> {
                expect(b, '\n', "chunked body not ended by CRLF");
                state = State.DONE;
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void line() throws InvalidChunkedBodyException {
        if (++lineBytes > MAX_LINE) {
            throw invalid("chunk-size line longer than " + MAX_LINE + " bytes");
        }
    }

    private void trailer(byte b) throws InvalidChunkedBodyException {
        if (++trailerBytes > MAX_LINE) {
            throw invalid("trailer section longer than " + MAX_LINE + " bytes");
        }
        if (b == '\n' || b == 0 || b == 0x7f || (b < 0x20 && b != '\t' && b >= 0)) {
            throw invalid("control character in a trailer line");
        }
        trailerLineBytes++;
        if (!trailerHasColon) {
            if (b == ':' && trailerLineBytes > 1) {
                trailerHasColon = true;
            } else if (!isTokenChar(b)) {
                throw invalid("trailer field name is not a token");
            }
        }
    }

    /** RFC 9110 tchar. */
    private static boolean isTokenChar(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }

    private static void expect(byte b, char want, String what) throws InvalidChunkedBodyException {
        if (b != want) {
            throw invalid(what);
        }
    }

    private static InvalidChunkedBodyException invalid(String what) {
        return new InvalidChunkedBodyException("invalid chunked request body: " + what);
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
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        for (int i = offs; i < offs + len; i++) {
            if (dsts[i].hasRemaining()) {
                return read(dsts[i]);
            }
        }
        return 0;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return IoUtils.transfer(new ConduitReadableByteChannel(this), count, throughBuffer, target);
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
