package dev.hermesfront.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One text frame as it crossed the wire: its UTF-8 bytes exactly as they arrived, plus what is read from them
 * lazily, at most once each: the {@linkplain #head head} (id, method, event type, session, read without a parser
 * and without decoding) and the {@linkplain #text decoded text}. This is the frame type of every link between an
 * agent and its clients ({@code AgentLink}, {@code ClientSink}, the hub, the park buffer, a client's outbound
 * queue): a frame that only passes through is never decoded; one that must be read further (a renumbered
 * answer, a server→client request, a policy decision that needs params) is decoded once, where that happens.
 *
 * <p>The bytes are valid UTF-8: the code that makes a frame from bytes vouches for it ({@link #ofUtf8}); where a
 * client's bytes enter, the WebSocket layer validated them (an invalid frame closes 1007 there). The bytes are
 * never modified; {@link #buffer} hands out views. Thread-safe: the lazily read parts are idempotent and safely
 * published (a race decodes twice at worst).
 */
public final class WireFrame {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ASCII_MASK = 0x8080808080808080L;

    private final byte[] utf8;
    private volatile String text;
    private volatile FrameHead head;

    private WireFrame(byte[] utf8, String text) {
        this.utf8 = utf8;
        this.text = text;
    }

    /** Returns the frame of {@code text} (encoded once, now; the text is kept, so it is never decoded). */
    public static WireFrame of(String text) {
        Objects.requireNonNull(text, "text");
        return new WireFrame(text.getBytes(StandardCharsets.UTF_8), text);
    }

    /** Returns the frame of {@code utf8}, which the caller vouches is valid UTF-8 and hands over (it is not copied). */
    public static WireFrame ofUtf8(byte[] utf8) {
        return new WireFrame(Objects.requireNonNull(utf8, "utf8"), null);
    }

    /**
     * Returns the frame of {@code buf[off, off+len)} (copied), bytes nobody validated (an agent's stdout): kept as
     * they are when they are UTF-8, which is checked without decoding; otherwise decoded with every malformed
     * sequence replaced by U+FFFD, as {@code new String(bytes, UTF_8)} does, so a client always gets UTF-8.
     */
    public static WireFrame ofUntrusted(byte[] buf, int off, int len) {
        if (validUtf8(buf, off, len)) {
            return new WireFrame(java.util.Arrays.copyOfRange(buf, off, off + len), null);
        }
        return of(new String(buf, off, len, StandardCharsets.UTF_8));
    }

    /** Returns true when {@code b[off, off+len)} is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
    public static boolean validUtf8(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i + Long.BYTES <= end && ((long) LONGS.get(b, i) & ASCII_MASK) == 0) {
            i += Long.BYTES; // eight ASCII bytes at a time: the JSON agents write is ASCII but for the odd character
        }
        while (i < end) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xff;
            int n;
            int min;
            if (c >= 0xc2 && c <= 0xdf) {
                n = 1;
                min = 0x80;
            } else if (c >= 0xe0 && c <= 0xef) {
                n = 2;
                min = 0x800;
            } else if (c >= 0xf0 && c <= 0xf4) {
                n = 3;
                min = 0x10000;
            } else {
                return false;
            }
            if (i + n >= end) {
                return false;
            }
            int cp = c & (0x3f >> n);
            for (int k = 1; k <= n; k++) {
                int d = b[i + k] & 0xff;
                if ((d & 0xc0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (d & 0x3f);
            }
            if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                return false;
            }
            i += n + 1;
        }
        return true;
    }

    /** Returns the frame of the bytes remaining in {@code buffers} (copied once; the buffers are not consumed). */
    public static WireFrame ofUtf8(ByteBuffer... buffers) {
        long n = 0;
        for (ByteBuffer b : buffers) {
            n += b.remaining();
        }
        byte[] out = new byte[Math.toIntExact(n)];
        int at = 0;
        for (ByteBuffer b : buffers) {
            int r = b.remaining();
            b.duplicate().get(out, at, r);
            at += r;
        }
        return new WireFrame(out, null);
    }

    /** Returns the frame's length in bytes (UTF-8). */
    public int length() {
        return utf8.length;
    }

    /** Returns a view of the bytes, positioned at the first; writing through it is not allowed. */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(utf8);
    }

    /** Puts the bytes into {@code dst} (which must have room for them), without a wrapping buffer. */
    public void copyTo(ByteBuffer dst) {
        dst.put(utf8);
    }

    /** Returns a copy of the bytes (for a writer that transforms what it is given, such as a masking client). */
    public byte[] copyBytes() {
        return utf8.clone();
    }

    /** Returns byte {@code i}. */
    public byte byteAt(int i) {
        return utf8[i];
    }

    /** Returns the decoded text, decoding at most once. */
    public String text() {
        String t = text;
        if (t == null) {
            t = new String(utf8, StandardCharsets.UTF_8);
            text = t;
        }
        return t;
    }

    /** Returns true when the text is already decoded (or the frame was made from text). */
    public boolean decoded() {
        return text != null;
    }

    /** Returns the head, read from the bytes once, without decoding ({@link FrameHead#peek(CharSequence)}). */
    public FrameHead head() {
        FrameHead h = head;
        if (h == null) {
            h = FrameHead.peek(asciiView());
            head = h;
        }
        return h;
    }

    /** Returns true when the bytes start with {@code ascii} (a prefix of ASCII characters). */
    public boolean startsWith(String ascii) {
        return regionMatches(0, ascii);
    }

    /** Returns true when {@code ascii} (ASCII characters only) occurs in the bytes. */
    public boolean contains(String ascii) {
        int n = ascii.length();
        if (n == 0) {
            return true;
        }
        byte first = (byte) ascii.charAt(0);
        for (int i = 0, last = utf8.length - n; i <= last; i++) {
            if (utf8[i] == first && regionMatches(i, ascii)) {
                return true;
            }
        }
        return false;
    }

    private boolean regionMatches(int at, String ascii) {
        int n = ascii.length();
        if (at < 0 || at + n > utf8.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (utf8[at + i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns this frame with bytes {@code [start, end)} replaced by {@code ascii} (an id's JSON text): one copy,
     * nothing decoded or re-serialized. Offsets are byte offsets, as {@link #head()} gives them.
     */
    public WireFrame splice(int start, int end, String ascii) {
        byte[] r = ascii.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[utf8.length - (end - start) + r.length];
        System.arraycopy(utf8, 0, out, 0, start);
        System.arraycopy(r, 0, out, start, r.length);
        System.arraycopy(utf8, end, out, start + r.length, utf8.length - end);
        return new WireFrame(out, null);
    }

    /**
     * Returns the bytes as characters one for one (a byte of 0x80 or more becomes a character of 0x80 or more):
     * ASCII reads as itself and offsets are byte offsets. For parser-free scans that compare ASCII only.
     */
    public CharSequence asciiView() {
        return new AsciiView(utf8, 0, utf8.length);
    }

    /** Returns true when the bytes are the same. */
    public boolean sameBytes(WireFrame o) {
        return java.util.Arrays.equals(utf8, o.utf8);
    }

    /** Returns the decoded text. */
    @Override
    public String toString() {
        return text();
    }

    private record AsciiView(byte[] b, int from, int to) implements CharSequence {
        @Override
        public int length() {
            return to - from;
        }

        @Override
        public char charAt(int index) {
            return (char) (b[from + index] & 0xff);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new AsciiView(b, from + start, from + end);
        }

        @Override
        public String toString() {
            return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        }
    }
}
