package dev.hermesfront.bridge.process;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits a byte stream into {@code \n}-terminated lines and hands each one on as UTF-8 text, without
 * its {@code \n}. Empty lines are skipped. A line longer than the bound is dropped (and logged) rather
 * than buffered without limit. Not thread-safe: one reader thread owns it.
 */
final class LineSplitter {
    private static final System.Logger LOG = System.getLogger(LineSplitter.class.getName());

    /** Receives one line; returning false stops the reader. */
    interface LineConsumer {
        boolean accept(String line) throws InterruptedException;
    }

    private final int maxLineBytes;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private boolean discarding;

    LineSplitter(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
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
        String line;
        if (discarding) {
            discarding = false;
            partial.reset();
            return true;
        }
        if (partial.size() == 0) {
            line = new String(buf, off, len, StandardCharsets.UTF_8);
        } else {
            append(buf, off, len);
            if (discarding) {
                discarding = false;
                partial.reset();
                return true;
            }
            line = partial.toString(StandardCharsets.UTF_8);
            partial.reset();
        }
        if (line.isEmpty()) {
            return true;
        }
        return out.accept(line);
    }

    private void append(byte[] buf, int off, int len) {
        if (discarding) {
            return;
        }
        if ((long) partial.size() + len > maxLineBytes) {
            LOG.log(System.Logger.Level.WARNING, "agent wrote a stdout line over {0} bytes; dropped it", maxLineBytes);
            discarding = true;
            partial.reset();
            return;
        }
        partial.write(buf, off, len);
    }
}
