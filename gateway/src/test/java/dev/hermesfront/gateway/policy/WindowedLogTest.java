package dev.hermesfront.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WindowedLogTest {
    private final AtomicLong now = new AtomicLong();

    private static List<String> lines(LogCapture log) {
        return log.containing("refused").stream().map(LogCapture::message).toList();
    }

    @Test
    void oneLinePerKeyAndWindowThenTheCount() {
        System.Logger logger = System.getLogger("windowed-log-test");
        WindowedLog w = new WindowedLog(logger, System.Logger.Level.WARNING, Duration.ofSeconds(60), 8, now::get);
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 1000; i++) {
                w.log("alice SPAWN_RATE", "refused a new agent for alice: SPAWN_RATE");
            }
            w.log("bob SPAWN_RATE", "refused a new agent for bob: SPAWN_RATE");
            assertEquals(List.of("refused a new agent for alice: SPAWN_RATE", "refused a new agent for bob: SPAWN_RATE"), lines(log));
            now.addAndGet(Duration.ofSeconds(61).toNanos());
            w.log("alice SPAWN_RATE", "refused a new agent for alice: SPAWN_RATE");
            List<String> l = lines(log);
            assertEquals(3, l.size(), String.join("\n", l));
            assertTrue(l.get(2).contains("999 more like it in the last 60 s"), l.get(2));
        }
    }

    @Test
    void aSilentKeysCountIsWrittenByTheNextCallAndKeysAreBounded() {
        System.Logger logger = System.getLogger("windowed-log-test");
        WindowedLog w = new WindowedLog(logger, System.Logger.Level.WARNING, Duration.ofSeconds(60), 4, now::get);
        try (LogCapture log = new LogCapture()) {
            w.log("a", "refused a");
            w.log("a", "refused a");
            w.log("a", "refused a");
            now.addAndGet(Duration.ofSeconds(61).toNanos());
            w.log("b", "refused b");
            assertTrue(lines(log).contains("refused a (repeated 2 more time(s) in 60 s)"), String.join("\n", lines(log)));
            for (int i = 0; i < 100; i++) {
                w.log("k" + i, "refused k" + i);
            }
            assertTrue(w.tracked() <= 4, "bounded: " + w.tracked());
            assertTrue(lines(log).size() < 20, "many keys past the bound share one line per window: " + lines(log).size());
        }
    }
}
