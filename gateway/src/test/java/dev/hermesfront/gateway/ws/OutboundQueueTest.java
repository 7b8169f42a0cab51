package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.MemoryBudget;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The queue towards one client, against a fake socket whose sends complete when the test says so. */
class OutboundQueueTest {
    /** A socket that keeps each send's completion until {@link #complete}. */
    private static final class FakeWire implements OutboundQueue.Wire {
        final List<String> sent = new ArrayList<>();
        final ArrayDeque<SendHandler> pending = new ArrayDeque<>();
        CloseReason closed;

        @Override
        public String id() {
            return "fake";
        }

        @Override
        public synchronized void sendText(dev.hermesfront.protocol.WireFrame frame, SendHandler handler) {
            sent.add(frame.text());
            pending.addLast(handler);
        }

        @Override
        public synchronized void close(CloseReason reason) throws IOException {
            closed = reason;
        }

        /** Completes the oldest {@code n} sends, successfully. */
        void complete(int n) {
            for (int i = 0; i < n; i++) {
                SendHandler h;
                synchronized (this) {
                    h = pending.pollFirst();
                }
                if (h == null) {
                    return;
                }
                h.onResult(new SendResult());
            }
        }

        void completeAll() {
            while (true) {
                synchronized (this) {
                    if (pending.isEmpty()) {
                        return;
                    }
                }
                complete(1);
            }
        }
    }

    private final FakeWire wire = new FakeWire();

    private static List<String> texts(List<dev.hermesfront.protocol.WireFrame> frames) {
        return frames.stream().map(dev.hermesfront.protocol.WireFrame::text).toList();
    }
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private OutboundQueue queue(long highWater, long limit, MemoryBudget.Account account) {
        return new OutboundQueue(wire, highWater, limit, Duration.ofSeconds(30), account, null, now::get, ChannelMetrics.NONE);
    }

    private OutboundQueue queue(long highWater, long limit) {
        return queue(highWater, limit, MemoryBudget.unlimited().open());
    }

    @Test
    void handsAtMostTheWindowOfFramesToTheSocketAndMoreAsTheyComplete() {
        OutboundQueue q = queue(1 << 20, 1 << 22);
        int n = OutboundQueue.MAX_IN_FLIGHT_FRAMES + 8;
        for (int i = 0; i < n; i++) {
            assertTrue(q.send("f" + i));
        }
        assertEquals(OutboundQueue.MAX_IN_FLIGHT_FRAMES, wire.sent.size());
        wire.complete(3);
        assertEquals(OutboundQueue.MAX_IN_FLIGHT_FRAMES + 3, wire.sent.size());
        wire.completeAll();
        assertEquals(n, wire.sent.size());
        for (int i = 0; i < n; i++) {
            assertEquals("f" + i, wire.sent.get(i), "in order");
        }
    }

    @Test
    void callsBackOnceWhenTheQueueDrainsBelowItsHighWaterMark() {
        OutboundQueue q = queue(100, 1 << 20);
        String big = "x".repeat(60 * 1024);
        q.send(big); // in flight
        q.send(big); // waits: the window is full by characters
        q.send("y".repeat(5000)); // 60 Ki + 5,000 do not fit the window together: these wait
        q.send("z".repeat(5000));
        AtomicInteger called = new AtomicInteger();
        assertFalse(q.whenWritable(called::incrementAndGet), "above the high-water mark");
        wire.complete(1);
        assertEquals(0, called.get(), "still above it");
        wire.completeAll();
        assertEquals(1, called.get(), "writable again, called once");
        assertTrue(q.whenWritable(called::incrementAndGet), "writable now: not kept");
        assertEquals(1, called.get());
    }

    @Test
    void closesAClientStuckAboveTheMarkForTheStallBoundWhenNobodySendsAnyMore() {
        OutboundQueue q = queue(10, 1 << 20);
        q.send("x".repeat(70 * 1024));
        q.send("waiting");
        q.send("waiting too");
        AtomicInteger called = new AtomicInteger();
        assertFalse(q.whenWritable(called::incrementAndGet));
        now.addAndGet(Duration.ofSeconds(29).toNanos());
        q.checkStall();
        assertNull(wire.closed, "not yet");
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        q.checkStall();
        assertEquals(CloseCodes.OVERLOADED, wire.closed.getCloseCode().getCode());
        assertEquals(1, called.get(), "whoever waited is released, so the link carries on (and parks what follows)");
        assertEquals(List.of("x".repeat(70 * 1024), "waiting", "waiting too"), texts(q.closed()), "what it never got is kept, in order");
    }

    @Test
    void closesAClientStuckAboveTheMarkOnTheNextSendAfterTheStallBound() {
        OutboundQueue q = queue(10, 1 << 20);
        q.send("x".repeat(70 * 1024));
        q.send("waiting".repeat(10));
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertFalse(q.send("one more"));
        assertEquals(CloseCodes.OVERLOADED, wire.closed.getCloseCode().getCode());
    }

    @Test
    void closesAClientOverItsShareOfTheMemoryBudget() {
        MemoryBudget budget = new MemoryBudget(400_000);
        MemoryBudget.Account others = budget.open();
        others.reserve(1000);
        OutboundQueue q = queue(1 << 30, 1L << 40, budget.open());
        int accepted = 0;
        while (q.send("y".repeat(1000)) && accepted < 10_000) {
            accepted++;
        }
        // 400,000 bytes at 1,064 a frame (its bytes, not two per character): refused past the budget, as this client
        // holds more than its half.
        assertTrue(accepted > 340 && accepted < 380, accepted + " frames accepted");
        assertEquals(CloseCodes.OVERLOADED, wire.closed.getCloseCode().getCode());
        assertTrue(wire.closed.getReasonPhrase().contains("memory budget"), wire.closed.getReasonPhrase());
        q.closed();
        assertEquals(1000, budget.used(), "everything this client held is given back");
    }

    @Test
    void returnsFramesInFlightThenQueuedWhenTheClientGoes() {
        OutboundQueue q = queue(1 << 20, 1 << 22);
        for (int i = 0; i < 35; i++) {
            q.send("f" + i);
        }
        wire.complete(2);
        List<String> unsent = texts(q.closed());
        assertEquals(33, unsent.size());
        assertEquals("f2", unsent.get(0));
        assertEquals("f34", unsent.get(32));
        assertFalse(q.send("late"));
    }

    @Test
    void deliversTheAgentsLastFramesBeforeClosing1011() {
        OutboundQueue q = queue(1 << 20, 1 << 22);
        q.send("last words");
        q.agentClosed(AgentExit.exited(2));
        assertNull(wire.closed, "not before the frame went out");
        wire.completeAll();
        assertEquals(CloseCodes.AGENT_FAILURE, wire.closed.getCloseCode().getCode());
        assertEquals("agent exited with status 2", wire.closed.getReasonPhrase());
    }

    @Test
    void closesAtTheHardLimit() {
        OutboundQueue q = queue(10, 100);
        q.send("x".repeat(70 * 1024)); // in flight
        assertTrue(q.send("a".repeat(60)));
        assertFalse(q.send("b".repeat(60)));
        assertEquals(CloseCodes.OVERLOADED, wire.closed.getCloseCode().getCode());
    }
}
