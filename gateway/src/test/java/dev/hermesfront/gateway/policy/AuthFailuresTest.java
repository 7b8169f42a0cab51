package dev.hermesfront.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The lockout map stays within its bound under a spray of addresses, and a spray cannot lift a lockout. */
class AuthFailuresTest {
    private static final int SPRAY = 40_000;
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private AuthFailures failures(int max) {
        return new AuthFailures(max, Duration.ofSeconds(60), Duration.ofMinutes(5), now::get);
    }

    private static String address(int i) {
        return "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
    }

    @Test
    void countsAtMostTenThousandAddressesWhenFortyThousandFail() {
        AuthFailures f = failures(10);
        for (int i = 0; i < SPRAY; i++) {
            f.fail(address(i));
        }
        assertTrue(f.counted() <= AuthFailures.MAX_ADDRESSES, f.counted() + " addresses counted");
        assertTrue(f.counted() > 0);
    }

    @Test
    void aLockedOutAddressStaysLockedWhileFortyThousandOthersFail() {
        AuthFailures f = failures(10);
        for (int i = 0; i < 10; i++) {
            f.fail("192.0.2.7");
        }
        assertEquals(300, f.lockedForSeconds("192.0.2.7"));
        for (int i = 0; i < SPRAY; i++) {
            f.fail(address(i));
            now.addAndGet(1_000_000); // 40 s of spraying, all inside the window
        }
        assertTrue(f.lockedForSeconds("192.0.2.7") > 0, "the spray lifted the lockout");
        assertFalse(f.fail("192.0.2.7"), "a failure during the lockout starts no second one");
    }

    @Test
    void aPersistentGuesserIsLockedOutDespiteASprayOfOneOffFailures() {
        AuthFailures f = failures(10);
        for (int i = 0; i < 9; i++) {
            f.fail("192.0.2.9");
        }
        for (int i = 0; i < SPRAY; i++) {
            f.fail(address(i));
        }
        assertTrue(f.fail("192.0.2.9"), "the spray reset the guesser's count");
        assertEquals(300, f.lockedForSeconds("192.0.2.9"));
    }

    @Test
    void keepsAtMostTenThousandLockoutsAndTheOnesStillTryingStayLocked() {
        AuthFailures f = failures(3);
        for (int i = 0; i < 3; i++) {
            f.fail("192.0.2.8");
        }
        int lockouts = AuthFailures.MAX_LOCKED + 2_000;
        for (int i = 0; i < lockouts; i++) {
            String a = address(i);
            f.fail(a);
            f.fail(a);
            assertTrue(f.fail(a));
            if (i % 100 == 0) {
                // The guesser keeps knocking: each of its requests asks whether it is locked out.
                assertTrue(f.lockedForSeconds("192.0.2.8") > 0, "lifted after " + i + " other lockouts");
            }
        }
        assertTrue(f.lockedOut() <= AuthFailures.MAX_LOCKED, f.lockedOut() + " lockouts kept");
        assertTrue(f.lockedForSeconds("192.0.2.8") > 0);
    }

    @Test
    void aLockoutEndsOnTimeAndTheAddressStartsAfresh() {
        AuthFailures f = failures(3);
        f.fail("a");
        f.fail("a");
        assertTrue(f.fail("a"));
        now.addAndGet(Duration.ofMinutes(5).minusSeconds(1).toNanos());
        assertEquals(1, f.lockedForSeconds("a"));
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertEquals(0, f.lockedForSeconds("a"));
        assertFalse(f.fail("a"));
        assertEquals(0, f.lockedOut());
    }
}
