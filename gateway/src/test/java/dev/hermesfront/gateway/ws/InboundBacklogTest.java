package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InboundBacklogTest {
    @Test
    void fewLargeMessagesPauseReadsByTheirBytes() {
        InboundBacklog b = new InboundBacklog(64, 1 << 20);
        assertFalse(b.add(1, 600_000), "one message under the byte bound");
        assertTrue(b.add(1, 600_000), "the second passes 1 MiB with two messages waiting: reads pause");
        assertFalse(b.add(1, 600_000), "already paused: no second pause");
        assertFalse(b.done(600_000), "1.2 MB still waits: above a quarter of the bound");
        assertFalse(b.done(600_000), "600 KB still waits");
        assertTrue(b.done(600_000), "nothing waits: reads resume");
    }

    @Test
    void manySmallMessagesPauseReadsByTheirCount() {
        InboundBacklog b = new InboundBacklog(64, 1 << 20);
        assertFalse(b.add(64, 64 * 100));
        assertTrue(b.add(1, 100), "the 65th message pauses reads");
        for (int i = 0; i < 48; i++) {
            assertFalse(b.done(100), "still more than 16 waiting after " + (i + 1));
        }
        assertTrue(b.done(100), "16 waiting: reads resume");
        assertFalse(b.done(100), "resumed once");
    }
}
