package dev.hermesfront.gateway.ws.raw;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * RFC 6455 framing without IO: opcodes, frame headers, masking, close payloads and which close codes a peer may
 * send. The reading side is {@link WsFrameReader}; {@link RawWsConnection} puts both on a socket.
 */
public final class WsFrames {
    /** The GUID both ends hash with the client's key (RFC 6455 §1.3). */
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** A close frame without a status code (never sent on the wire, RFC 6455 §7.4.1). */
    public static final int NO_STATUS = 1005;
    /** The connection ended without a close frame (never sent on the wire). */
    public static final int ABNORMAL = 1006;
    public static final int NORMAL = 1000;
    public static final int PROTOCOL_ERROR = 1002;
    public static final int INVALID_DATA = 1007;
    public static final int TOO_BIG = 1009;
    public static final int INTERNAL_ERROR = 1011;

    /** The largest payload of a control frame. */
    public static final int MAX_CONTROL_PAYLOAD = 125;
    /** The largest header: 2 bytes, an 8-byte length, a 4-byte mask key. */
    public static final int MAX_HEADER = 14;

    private WsFrames() {}

    /** Returns the length of the header of a frame of {@code payload} bytes. */
    public static int headerLength(long payload, boolean masked) {
        int n = payload <= 125 ? 2 : payload <= 0xffff ? 4 : 10;
        return masked ? n + 4 : n;
    }

    /**
     * Writes a frame header at {@code dst}'s position: FIN set as given, no RSV bits, the shortest length encoding,
     * and the mask key when {@code masked}.
     */
    public static void writeHeader(ByteBuffer dst, boolean fin, int opcode, long payload, boolean masked, int maskKey) {
        dst.put((byte) ((fin ? 0x80 : 0) | opcode));
        int m = masked ? 0x80 : 0;
        if (payload <= 125) {
            dst.put((byte) (m | payload));
        } else if (payload <= 0xffff) {
            dst.put((byte) (m | 126));
            dst.putShort((short) payload);
        } else {
            dst.put((byte) (m | 127));
            dst.putLong(payload);
        }
        if (masked) {
            dst.putInt(maskKey);
        }
    }

    /**
     * Returns one whole frame (header and payload {@code b[off, off+len)}), ready to write: masked with
     * {@code maskKey} when {@code masked} (a client's frame; the payload is copied, never modified in place).
     */
    public static ByteBuffer frame(boolean fin, int opcode, byte[] b, int off, int len, boolean masked, int maskKey) {
        int h = headerLength(len, masked);
        ByteBuffer out = ByteBuffer.allocate(h + len);
        writeHeader(out, fin, opcode, len, masked, maskKey);
        out.put(b, off, len);
        if (masked) {
            mask(out.array(), h, len, maskKey, 0);
        }
        return out.flip();
    }

    /**
     * XORs {@code b[off, off+len)} with {@code key} (big-endian, as on the wire), starting at key byte
     * {@code keyPos % 4}: masking and unmasking are the same operation.
     */
    public static void mask(byte[] b, int off, int len, int key, int keyPos) {
        int end = off + len;
        int k = keyPos & 3;
        for (int i = off; i < end; i++) {
            b[i] ^= (byte) (key >>> (24 - 8 * k));
            k = (k + 1) & 3;
        }
    }

    /** Returns the payload of a close frame: the code and a reason cut to fit (at a character boundary). */
    public static byte[] closePayload(int code, String reason) {
        byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(r.length, MAX_CONTROL_PAYLOAD - 2);
        while (n > 0 && n < r.length && (r[n] & 0xc0) == 0x80) {
            n--; // do not cut a character in two
        }
        byte[] p = new byte[2 + n];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, n);
        return p;
    }

    /**
     * Returns true when a peer may send {@code code} in a close frame (RFC 6455 §7.4: the defined codes but 1004–1006
     * and 1015, the IANA-registered 1012–1014, and 3000–4999 for libraries and applications).
     */
    public static boolean validCloseCode(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    /**
     * Returns the {@code Sec-WebSocket-Accept} value for the client's {@code Sec-WebSocket-Key} (RFC 6455 §4.2.2): what
     * a server answers and what a client checks.
     */
    public static String acceptKey(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
