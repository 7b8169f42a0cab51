package dev.hermesfront.gateway.ws.raw;

import dev.hermesfront.protocol.WireFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads RFC 6455 frames from bytes as they arrive, in any pieces: one header scan per frame, the payload of a
 * text message copied once into the array its {@link WireFrame} keeps (exactly sized when the message is one
 * frame), unmasked in place. Not thread-safe: one reader per connection, fed by its IO thread.
 *
 * <p>Checks, each a {@link ProtocolException} with the close code to send: no RSV bits (no extension is ever
 * negotiated), known opcodes, control frames unfragmented and at most 125 bytes, a continuation only inside a
 * message and a new message only outside one, masking as the role requires ({@code expectMasked}: a server reads
 * masked client frames, a client unmasked server frames; 1002 otherwise), a message no larger than
 * {@code maxMessageBytes} (1009, checked on each header, before any of its payload is held), a text message and a
 * close reason valid UTF-8 (1007; checked once on the whole message, so a character split across fragments is
 * fine), close codes a peer may send. Control frames may come between the fragments of a message. Binary
 * messages are size-checked and skipped, never held (the TUI wire is text only). Nothing is read after a close
 * frame.
 */
public final class WsFrameReader {
    /** What the reader found; called on the feeding thread, in wire order. */
    public interface Handler {
        /** A whole text message, valid UTF-8. */
        void text(WireFrame frame);

        /** A whole binary message was skipped ({@code length} bytes). */
        default void binary(long length) {
        }

        void ping(byte[] payload);

        default void pong(byte[] payload) {
        }

        /** The peer's close frame: its code ({@link WsFrames#NO_STATUS} when it has none) and reason. */
        void close(int code, String reason);
    }

    /** A frame broke the protocol: the connection is to be closed with {@link #code}. */
    public static final class ProtocolException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int code;

        ProtocolException(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        /** Returns the close code to send. */
        public int code() {
            return code;
        }
    }

    private final boolean expectMasked;
    private final long maxMessageBytes;
    private final byte[] header = new byte[WsFrames.MAX_HEADER];
    private int headerLength;
    private boolean inPayload;
    private boolean fin;
    private int opcode;
    private long remaining;
    private boolean masked;
    private int maskKey;
    private int maskPos;
    /** The data message being read: TEXT, BINARY, or -1 between messages. */
    private int messageOpcode = -1;
    private byte[] message;
    private int messageLength;
    private long skipped;
    private final byte[] control = new byte[WsFrames.MAX_CONTROL_PAYLOAD];
    private int controlLength;
    private boolean closed;

    /**
     * @param expectMasked    true on a server (clients mask every frame), false on a client (servers never mask)
     * @param maxMessageBytes the largest message, all its fragments together
     */
    public WsFrameReader(boolean expectMasked, long maxMessageBytes) {
        this.expectMasked = expectMasked;
        this.maxMessageBytes = Math.min(maxMessageBytes, Integer.MAX_VALUE - 16);
    }

    /** Returns true once a close frame was read; what follows it is ignored. */
    public boolean closed() {
        return closed;
    }

    /**
     * Reads every byte remaining in {@code in}: whole messages and control frames go to {@code h}; a frame cut
     * short is kept until the next call. After an exception the reader is not to be fed again.
     */
    public void feed(ByteBuffer in, Handler h) throws ProtocolException {
        while (in.hasRemaining() && !closed) {
            if (!inPayload) {
                if (!readHeader(in)) {
                    return;
                }
                if (remaining == 0) {
                    endOfFrame(h);
                }
                continue;
            }
            readPayload(in);
            if (remaining == 0) {
                endOfFrame(h);
            }
        }
        if (closed) {
            in.position(in.limit());
        }
    }

    /** Collects the header; returns false when more bytes are needed. */
    private boolean readHeader(ByteBuffer in) throws ProtocolException {
        while (headerLength < 2) {
            if (!in.hasRemaining()) {
                return false;
            }
            header[headerLength++] = in.get();
        }
        int len7 = header[1] & 0x7f;
        boolean m = (header[1] & 0x80) != 0;
        int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (m ? 4 : 0);
        int take = Math.min(need - headerLength, in.remaining());
        in.get(header, headerLength, take);
        headerLength += take;
        if (headerLength < need) {
            return false;
        }
        headerLength = 0;
        int b0 = header[0] & 0xff;
        if ((b0 & 0x70) != 0) {
            throw new ProtocolException(WsFrames.PROTOCOL_ERROR, "reserved bits set without an extension");
        }
        fin = (b0 & 0x80) != 0;
        opcode = b0 & 0x0f;
        masked = m;
        if (masked != expectMasked) {
            throw new ProtocolException(WsFrames.PROTOCOL_ERROR, expectMasked ? "client frame not masked" : "server frame masked");
        }
        long len;
        int at = 2;
        if (len7 == 126) {
            len = ((header[2] & 0xff) << 8) | (header[3] & 0xff);
            at = 4;
        } else if (len7 == 127) {
            len = 0;
            for (int i = 2; i < 10; i++) {
                len = (len << 8) | (header[i] & 0xff);
            }
            at = 10;
            if (len < 0) {
                throw new ProtocolException(WsFrames.PROTOCOL_ERROR, "frame length over 2^63");
            }
        } else {
            len = len7;
        }
        maskKey = masked ? ((header[at] & 0xff) << 24) | ((header[at + 1] & 0xff) << 16) | ((header[at + 2] & 0xff) << 8) | (header[at + 3] & 0xff) : 0;
        maskPos = 0;
        remaining = len;
        switch (opcode) {
            case WsFrames.CLOSE, WsFrames.PING, WsFrames.PONG -> {
                if (!fin || len > WsFrames.MAX_CONTROL_PAYLOAD) {
                    throw new ProtocolException(WsFrames.PROTOCOL_ERROR, "control frame fragmented or over 125 bytes");
                }
                controlLength = 0;
            }
            case WsFrames.TEXT, WsFrames.BINARY -> {
                if (messageOpcode != -1) {
                    throw new ProtocolException(WsFrames.PROTOCOL_ERROR, "new message inside a fragmented one");
                }
                checkSize(len, 0);
                messageOpcode = opcode;
                skipped = 0;
                messageLength = 0;
                if (opcode == WsFrames.TEXT) {
                    message = new byte[fin ? (int) len : (int) Math.min(Math.max(len, 256), maxMessageBytes)];
                }
            }
            case WsFrames.CONTINUATION -> {
                if (messageOpcode == -1) {
                    throw new ProtocolException(WsFrames.PROTOCOL_ERROR, "continuation outside a message");
                }
                checkSize(len, messageOpcode == WsFrames.TEXT ? messageLength : skipped);
                if (messageOpcode == WsFrames.TEXT && messageLength + len > message.length) {
                    message = Arrays.copyOf(message, (int) Math.min(Math.max(messageLength + len, 2L * message.length), maxMessageBytes));
                }
            }
            default -> throw new ProtocolException(WsFrames.PROTOCOL_ERROR, "unknown opcode " + opcode);
        }
        inPayload = true;
        return true;
    }

    private void checkSize(long len, long held) throws ProtocolException {
        if (len > maxMessageBytes - held) {
            throw new ProtocolException(WsFrames.TOO_BIG, "message over " + maxMessageBytes + " bytes");
        }
    }

    private void readPayload(ByteBuffer in) {
        int n = (int) Math.min(remaining, in.remaining());
        if (opcode >= WsFrames.CLOSE) {
            in.get(control, controlLength, n);
            unmask(control, controlLength, n);
            controlLength += n;
        } else if (messageOpcode == WsFrames.TEXT) {
            in.get(message, messageLength, n);
            unmask(message, messageLength, n);
            messageLength += n;
        } else {
            in.position(in.position() + n);
            skipped += n;
        }
        remaining -= n;
    }

    private void unmask(byte[] b, int off, int n) {
        if (masked) {
            WsFrames.mask(b, off, n, maskKey, maskPos);
            maskPos = (maskPos + n) & 3;
        }
    }

    private void endOfFrame(Handler h) throws ProtocolException {
        inPayload = false;
        switch (opcode) {
            case WsFrames.PING -> h.ping(Arrays.copyOf(control, controlLength));
            case WsFrames.PONG -> h.pong(Arrays.copyOf(control, controlLength));
            case WsFrames.CLOSE -> {
                if (controlLength == 1) {
                    throw new ProtocolException(WsFrames.PROTOCOL_ERROR, "close frame of one byte");
                }
                int code = WsFrames.NO_STATUS;
                String reason = "";
                if (controlLength >= 2) {
                    code = ((control[0] & 0xff) << 8) | (control[1] & 0xff);
                    if (!WsFrames.validCloseCode(code)) {
                        throw new ProtocolException(WsFrames.PROTOCOL_ERROR, "close code " + code + " may not be sent");
                    }
                    if (!WireFrame.validUtf8(control, 2, controlLength - 2)) {
                        throw new ProtocolException(WsFrames.INVALID_DATA, "close reason not UTF-8");
                    }
                    reason = new String(control, 2, controlLength - 2, StandardCharsets.UTF_8);
                }
                closed = true;
                h.close(code, reason);
            }
            default -> {
                if (!fin) {
                    return;
                }
                int kind = messageOpcode;
                messageOpcode = -1;
                if (kind == WsFrames.BINARY) {
                    h.binary(skipped);
                    return;
                }
                byte[] m = message;
                int n = messageLength;
                message = null;
                if (!WireFrame.validUtf8(m, 0, n)) {
                    throw new ProtocolException(WsFrames.INVALID_DATA, "text message not UTF-8");
                }
                h.text(WireFrame.ofUtf8(n == m.length ? m : Arrays.copyOf(m, n)));
            }
        }
    }
}
