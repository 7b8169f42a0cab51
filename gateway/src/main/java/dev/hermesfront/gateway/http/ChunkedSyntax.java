package dev.hermesfront.gateway.http;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The chunked transfer coding's grammar by the letter of RFC 9112 §7.1, checked byte by byte as a body passes:
 * {@code 1*16HEXDIG [BWS ";" ext] CRLF data CRLF … "0" [ext] CRLF *(field-line CRLF) CRLF}; an extension may hold
 * any visible character, space or tab; lines end in CRLF only; a chunk-size line (with its extensions) and the
 * trailer section are at most {@link #MAX_LINE} bytes each. Anything else is an {@link InvalidChunkedBodyException}.
 * One instance per body, used by one thread at a time. Used by {@link StrictChunkedSourceConduit} (request bodies,
 * decoded) and by the proxy's pass-through of an upstream's chunked response (checked, not decoded).
 */
public final class ChunkedSyntax {
    /** Longest chunk-size line (with its extensions), and longest trailer section, in bytes. */
    public static final int MAX_LINE = 4096;

    /** A chunked body that does not follow the grammar; the message says where it went wrong. */
    public static final class InvalidChunkedBodyException extends IOException {
        private static final long serialVersionUID = 1L;

        InvalidChunkedBodyException(String message) {
            super(message);
        }
    }

    private enum State { SIZE, EXT, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_START, TRAILER_LINE, TRAILER_LF, END_LF, DONE }

    private final String body;
    private State state = State.SIZE;
    private long chunkRemaining;
    private int digits;
    private int lineBytes;
    private int trailerBytes;
    private int trailerLineBytes;
    private boolean trailerHasColon;

    /** {@code body} names the body in error messages ("request body", "response body"). */
    public ChunkedSyntax(String body) {
        this.body = body;
    }

    /** Returns the data bytes left in the current chunk: non-zero only while the body is inside a chunk's data. */
    public long dataRemaining() {
        return state == State.DATA ? chunkRemaining : 0;
    }

    /** Consumes {@code n} data bytes, at most {@link #dataRemaining()}. */
    public void data(long n) {
        chunkRemaining -= n;
        if (chunkRemaining == 0) {
            state = State.DATA_CR;
        }
    }

    /** Returns true once the last byte of the body (the CRLF ending the trailer section) went by. */
    public boolean done() {
        return state == State.DONE;
    }

    /**
     * Checks {@code buf}'s bytes from its position towards its limit, moving the position past them: framing is
     * checked, data is skipped. Stops right after the body's last byte ({@link #done()}), or at the limit. Throws at
     * the first byte that breaks the grammar, with the position left on that byte (what came before it was valid).
     */
    public void scan(ByteBuffer buf) throws InvalidChunkedBodyException {
        int p = buf.position();
        int limit = buf.limit();
        try {
            while (p < limit && state != State.DONE) {
                if (state == State.DATA) {
                    int n = (int) Math.min(chunkRemaining, limit - p);
                    p += n;
                    data(n);
                } else {
                    step(buf.get(p));
                    p++;
                }
            }
        } finally {
            buf.position(p);
        }
    }

    /** Consumes one byte of framing (never a data byte: see {@link #dataRemaining()}). */
    public void step(byte b) throws InvalidChunkedBodyException {
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

    private void expect(byte b, char want, String what) throws InvalidChunkedBodyException {
        if (b != want) {
            throw invalid(what);
        }
    }

    private InvalidChunkedBodyException invalid(String what) {
        return new InvalidChunkedBodyException("invalid chunked " + body + ": " + what);
    }
}
