package dev.hermesfront.gateway.lines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one bounded asynchronous writer: never blocks, drops and counts when full, reports the count, drains on close. */
class LineWriterTest {
    @Test
    void dropsAndCountsWhenFullThenReportsTheCountAfterTheNextBatch() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> written = new CopyOnWriteArrayList<>();
        List<Long> reports = new CopyOnWriteArrayList<>();
        LineWriter<String> w = LineWriter.start("test-writer", 2, 10, new LineWriter.Sink<>() {
            @Override
            public int write(List<String> batch) {
                entered.countDown();
                try {
                    assertTrue(release.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.addAll(batch);
                return 0;
            }

            @Override
            public boolean dropped(long count) {
                reports.add(count);
                return true;
            }
        }, null);
        try {
            assertTrue(w.offer("a"));
            assertTrue(entered.await(10, TimeUnit.SECONDS)); // the writer holds "a"; the queue (2) is empty again
            assertTrue(w.offer("b"));
            assertTrue(w.offer("c"));
            assertFalse(w.offer("d"), "full: refused without blocking");
            assertEquals(1, w.dropped());
            release.countDown();
            w.flush(Duration.ofSeconds(10));
            assertEquals(List.of("a", "b", "c"), written);
            assertEquals(List.of(1L), reports);
        } finally {
            w.close();
        }
        assertFalse(w.offer("e"), "closed: refused");
    }

    @Test
    void closeWritesWhatIsQueuedAndCountsWhatTheSinkLost() {
        List<String> written = new CopyOnWriteArrayList<>();
        List<Long> warned = new CopyOnWriteArrayList<>();
        CountDownLatch closed = new CountDownLatch(1);
        LineWriter<String> w = LineWriter.start("test-writer", 100, 10, new LineWriter.Sink<>() {
            @Override
            public int write(List<String> batch) {
                int lost = 0;
                for (String s : batch) {
                    if (s.startsWith("x")) {
                        lost++;
                    } else {
                        written.add(s);
                    }
                }
                return lost;
            }

            @Override
            public void closed() {
                closed.countDown();
            }
        }, warned::add);
        for (int i = 0; i < 30; i++) {
            w.offer((i % 10 == 0 ? "x" : "l") + i);
        }
        w.close();
        assertEquals(27, written.size());
        assertEquals(3, w.dropped());
        assertEquals(0, closed.getCount());
        assertTrue(warned.size() == 1 && warned.get(0) >= 1, "one warning in the first minute: " + warned);
    }
}
