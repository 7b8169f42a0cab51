package dev.hermesfront.bridge.park;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.bridge.InMemoryClientSink;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.protocol.WireFrame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParkBufferTest {
    private final AtomicInteger overflows = new AtomicInteger();

    private ParkBuffer buffer(int frames, long chars, MemoryBudget budget) {
        return new ParkBuffer(new ParkingPolicy(Duration.ofMinutes(1), frames, chars), budget.open(), overflows::incrementAndGet);
    }

    @Test
    void replaysUnsentFramesFirstThenWhatCameLaterInOrder() {
        ParkBuffer b = buffer(10, 1000, MemoryBudget.unlimited());
        b.send("c");
        b.send("d");
        b.prepend(List.of(WireFrame.of("a"), WireFrame.of("b")));
        InMemoryClientSink client = new InMemoryClientSink();
        assertEquals(4, b.drainTo(client));
        assertEquals(List.of("a", "b", "c", "d"), client.frames());
        assertEquals(0, b.size());
    }

    @Test
    void overflowsPastItsFrameBoundDropsAndCountsEverythingAndSaysSoOnce() {
        ParkBuffer b = buffer(3, 1000, MemoryBudget.unlimited());
        for (int i = 0; i < 3; i++) {
            assertTrue(b.send("f" + i));
        }
        assertFalse(b.send("f3"));
        assertFalse(b.send("f4"));
        assertTrue(b.overflowed());
        assertEquals(5, b.dropped());
        assertEquals(0, b.size());
        assertEquals(1, overflows.get());
    }

    @Test
    void overflowsPastItsCharacterBound() {
        ParkBuffer b = buffer(100, 10, MemoryBudget.unlimited());
        assertTrue(b.send("12345"));
        assertFalse(b.send("123456"));
        assertTrue(b.overflowed());
    }

    @Test
    void holdsMemoryInTheBudgetAndGivesItBack() {
        MemoryBudget budget = new MemoryBudget(1 << 20);
        ParkBuffer b = buffer(100, 1 << 20, budget);
        b.send("x".repeat(100));
        assertEquals(MemoryBudget.cost(WireFrame.of("x".repeat(100))), budget.used());
        b.drainTo(new InMemoryClientSink());
        assertEquals(0, budget.used());
        b.send("y");
        b.close();
        assertEquals(0, budget.used());
    }

    @Test
    void neverPacesTheAgent() {
        ParkBuffer b = buffer(1, 1, MemoryBudget.unlimited());
        assertTrue(b.awaitWritable(Duration.ofSeconds(30)));
        assertTrue(b.whenWritable(() -> { }));
    }
}
