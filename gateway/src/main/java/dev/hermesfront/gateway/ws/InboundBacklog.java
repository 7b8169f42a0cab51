package dev.hermesfront.gateway.ws;

/**
 * What a raw-engine client has sent that still waits for its worker, by count and by bytes: reads pause once either
 * bound is passed and resume once both are back under a quarter of it. The byte bound is what keeps a client that
 * sends large messages faster than its policy runs from filling the heap: by count alone, 64 messages of
 * {@code max_message_bytes} (64 MiB by default) each could wait. Thread-safe.
 */
final class InboundBacklog {
    private final int maxMessages;
    private final long maxBytes;
    private int messages;
    private long bytes;
    private boolean paused;

    InboundBacklog(int maxMessages, long maxBytes) {
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /** Counts {@code n} messages of {@code size} bytes in all; returns true when reads must pause now. */
    synchronized boolean add(int n, long size) {
        messages += n;
        bytes += size;
        if (!paused && (messages > maxMessages || bytes > maxBytes)) {
            paused = true;
            return true;
        }
        return false;
    }

    /** One message of {@code size} bytes was handled; returns true when reads may resume now. */
    synchronized boolean done(long size) {
        messages--;
        bytes -= size;
        if (paused && messages <= maxMessages / 4 && bytes <= maxBytes / 4) {
            paused = false;
            return true;
        }
        return false;
    }
}
