package dev.hermesfront.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.protocol.WireFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    @Test
    void refusesOnlyTheAccountOverItsShareOnceNothingParkedIsLeft() {
        MemoryBudget budget = new MemoryBudget(1000);
        MemoryBudget.Account hog = budget.open();
        MemoryBudget.Account reader = budget.open();
        assertTrue(hog.reserve(900));
        assertTrue(reader.reserve(50));
        assertFalse(hog.reserve(200), "over the budget, and the hog holds more than half of it");
        assertEquals(900, hog.held(), "a refused reservation takes nothing");
        assertTrue(reader.reserve(100), "the small one is under its share: it goes on even past the budget");
        hog.close();
        assertEquals(150, budget.used());
    }

    @Test
    void asksForReliefFirstAndOnlyOnceAtATime() {
        MemoryBudget budget = new MemoryBudget(100);
        List<Runnable> pending = new ArrayList<>();
        budget.relieveWith(done -> {
            pending.add(done);
            return true;
        });
        MemoryBudget.Account a = budget.open();
        budget.open();
        assertTrue(a.reserve(90));
        assertTrue(a.reserve(90), "a parked agent is being given up: allowed");
        assertEquals(1, pending.size());
        assertFalse(a.reserve(90), "relief already under way and over its share: refused");
        assertEquals(1, pending.size());
        pending.get(0).run();
        assertTrue(a.reserve(10), "a new relief can start");
        assertEquals(2, pending.size());
    }

    @Test
    void estimatesTwoBytesPerCharacterPlusOverhead() {
        assertEquals(10 + 64, MemoryBudget.cost(WireFrame.of("0123456789")));
        assertEquals(2 + 64, MemoryBudget.cost(WireFrame.of("\u00e9")), "bytes are counted, not characters");
    }
}
