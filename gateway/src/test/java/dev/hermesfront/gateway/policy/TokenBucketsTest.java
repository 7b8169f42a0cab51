package dev.hermesfront.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void allowsTheBurstThenRefillsAtTheRate() {
        TokenBuckets b = new TokenBuckets(3, 2.0, now::get);
        assertEquals(0, b.take("k"));
        assertEquals(0, b.take("k"));
        assertEquals(0, b.take("k"));
        long wait = b.take("k");
        assertTrue(wait >= 1 && wait <= 500, "wait " + wait);
        assertEquals(0, b.take("other"), "keys are independent");
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertEquals(0, b.take("k"));
        assertTrue(b.take("k") > 0);
        b.giveBack("k");
        assertEquals(0, b.take("k"));
    }

    @Test
    void locksAnAddressOutAfterTooManyFailuresAndLetsItBackAfterTheLockout() {
        AuthFailures f = new AuthFailures(3, Duration.ofSeconds(60), Duration.ofMinutes(5), now::get);
        assertEquals(false, f.fail("10.0.0.1"));
        assertEquals(false, f.fail("10.0.0.1"));
        assertEquals(0, f.lockedForSeconds("10.0.0.1"));
        assertEquals(true, f.fail("10.0.0.1"));
        assertEquals(300, f.lockedForSeconds("10.0.0.1"));
        assertEquals(0, f.lockedForSeconds("10.0.0.2"));
        now.addAndGet(Duration.ofMinutes(5).plusSeconds(1).toNanos());
        assertEquals(0, f.lockedForSeconds("10.0.0.1"));
    }

    @Test
    void forgetsFailuresOlderThanTheWindow() {
        AuthFailures f = new AuthFailures(3, Duration.ofSeconds(60), Duration.ofMinutes(5), now::get);
        f.fail("a");
        f.fail("a");
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        assertEquals(false, f.fail("a"));
        assertEquals(0, f.lockedForSeconds("a"));
    }

    @Test
    void keepsAtMostTenThousandBucketsWhenFortyThousandKeysTakeTokens() {
        TokenBuckets b = new TokenBuckets(3, 2.0, now::get);
        for (int i = 0; i < 40_000; i++) {
            assertEquals(0, b.take("key-" + i));
        }
        assertTrue(b.kept() <= TokenBuckets.MAX_KEYS, b.kept() + " buckets kept");
    }

    @Test
    void forgetsABucketOnlyOnceItWouldBeFullAgain() {
        TokenBuckets b = new TokenBuckets(3, 2.0, now::get);
        for (int i = 0; i < 3; i++) {
            b.take("k");
        }
        now.addAndGet(Duration.ofMillis(1400).toNanos());
        assertEquals(1, b.kept(), "forgotten before it refilled");
        assertEquals(0, b.take("k"));
        assertEquals(0, b.take("k"));
        assertTrue(b.take("k") > 0, "only the 2.8 tokens refilled in 1.4 s");
        now.addAndGet(Duration.ofMillis(1501).toNanos());
        assertEquals(0, b.kept(), "kept after it refilled");
        for (int i = 0; i < 3; i++) {
            assertEquals(0, b.take("k"), "a forgotten bucket starts full");
        }
    }
}
