package dev.hermesfront.bridge.process;

import dev.hermesfront.protocol.WireFrame;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into {@code \n}-terminated lines and hands each one on as a frame of its bytes, without
 * its {@code \n} and without decoding it ({@link WireFrame#ofUntrusted}: checked to be UTF-8, and only a line
 * that is not gets its bad sequences replaced, as decoding would). Empty lines are skipped.
 *
 * <p>A line longer than the bound is not buffered: its first {@value #HEAD_BYTES} bytes are kept, the
 * rest is skipped as it arrives, and when its {@code \n} comes the head and the line's full length go to
 * the {@link OversizedConsumer}. Memory per splitter is the bound at most while a line is assembled, and
 * the assembly buffer is given back after a line over {@value #KEEP_BUFFER_BYTES} bytes, so that one large
 * answer does not stay allocated for the agent's lifetime. Not thread-safe: one reader thread owns it.
 */
final class LineSplitter {
    /** Bytes kept from the start of an oversized line: enough for the {@code id} the agent writes near the front. */
    static final int HEAD_BYTES = 4096;
    /** Assembly buffer kept between lines; a larger one is dropped after its line. */
    static final int KEEP_BUFFER_BYTES = 64 * 1024;

    /** Receives one line; returning false stops the reader. */
    interface LineConsumer {
        boolean accept(WireFrame line) throws InterruptedException;
    }

    /** Receives the head of a line over the bound, once the line has ended; returning false stops the reader. */
    interface OversizedConsumer {
        boolean accept(byte[] head, long lineBytes) throws InterruptedException;
    }

    private final int maxLineBytes;
    private final OversizedConsumer oversized;
    private Assembly partial = new Assembly();
    /** The head of the oversized line being skipped, or null. */
    private byte[] skippedHead;
    private long skippedBytes;

    LineSplitter(int maxLineBytes, OversizedConsumer oversized) {
        this.maxLineBytes = maxLineBytes;
        this.oversized = oversized;
    }

    /** Creates a splitter that drops oversized lines silently. */
    LineSplitter(int maxLineBytes) {
        this(maxLineBytes, (head, bytes) -> true);
    }

    boolean feed(byte[] buf, int len, LineConsumer out) throws InterruptedException {
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (buf[i] != '\n') {
                continue;
            }
            if (!complete(buf, start, i - start, out)) {
                return false;
            }
            start = i + 1;
        }
        if (start < len) {
            append(buf, start, len - start);
        }
        return true;
    }

    private boolean complete(byte[] buf, int off, int len, LineConsumer out) throws InterruptedException {
        if (skippedHead == null && (long) partial.size() + len > maxLineBytes) {
            startSkipping(buf, off, len);
            len = 0;
        }
        if (skippedHead != null) {
            byte[] head = skippedHead;
            long bytes = skippedBytes + len;
            skippedHead = null;
            skippedBytes = 0;
            return oversized.accept(head, bytes);
        }
        WireFrame line;
        if (partial.size() == 0) {
            if (len == 0) {
                return true;
            }
            line = WireFrame.ofUntrusted(buf, off, len);
        } else {
            partial.write(buf, off, len);
            line = WireFrame.ofUntrusted(partial.bytes(), 0, partial.size());
            if (partial.size() > KEEP_BUFFER_BYTES) {
                partial = new Assembly();
            } else {
                partial.reset();
            }
        }
        return out.accept(line);
    }

    private void append(byte[] buf, int off, int len) {
        if (skippedHead != null) {
            skippedBytes += len;
            return;
        }
        if ((long) partial.size() + len > maxLineBytes) {
            startSkipping(buf, off, len);
            return;
        }
        partial.write(buf, off, len);
    }

    /** Keeps the head of what is assembled plus {@code buf[off, off+len)}, and gives the assembly buffer back. */
    private void startSkipping(byte[] buf, int off, int len) {
        int fromPartial = Math.min(partial.size(), HEAD_BYTES);
        int fromBuf = Math.min(len, HEAD_BYTES - fromPartial);
        byte[] head = Arrays.copyOf(partial.bytes(), fromPartial + fromBuf);
        System.arraycopy(buf, off, head, fromPartial, fromBuf);
        skippedHead = head;
        skippedBytes = (long) partial.size() + len;
        partial = new Assembly();
    }

    /** The assembly buffer, readable without a copy. */
    private static final class Assembly extends ByteArrayOutputStream {
        byte[] bytes() {
            return buf;
        }
    }
}
