package dev.hermesfront.gateway.policy;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets by key (a credential, an address): {@code burst} tokens, refilled at {@code perSecond}.
 * Bounded: when more than 10,000 keys are tracked, full buckets are forgotten. Thread-safe.
 */
public final class TokenBuckets {
    private static final int MAX_KEYS = 10_000;

    private final double burst;
    private final double perSecond;
    private final LongSupplier nanoClock;
    private final Map<String, Bucket> buckets = new HashMap<>();

    public TokenBuckets(double burst, double perSecond, LongSupplier nanoClock) {
        if (burst < 1 || !(perSecond > 0)) {
            throw new IllegalArgumentException("a burst >= 1 and a rate > 0");
        }
        this.burst = burst;
        this.perSecond = perSecond;
        this.nanoClock = nanoClock;
    }

    /**
     * Takes one token for {@code key}.
     *
     * @return 0 when taken, else how many milliseconds until a token is available (at least 1)
     */
    public synchronized long take(String key) {
        long now = nanoClock.getAsLong();
        Bucket b = buckets.get(key);
        if (b == null) {
            if (buckets.size() >= MAX_KEYS) {
                buckets.values().removeIf(x -> x.tokens + (now - x.at) / 1e9 * perSecond >= burst);
            }
            b = new Bucket(burst, now);
            buckets.put(key, b);
        }
        b.tokens = Math.min(burst, b.tokens + (now - b.at) / 1e9 * perSecond);
        b.at = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - b.tokens) / perSecond * 1000));
    }

    /** Puts back a token taken for {@code key} (the action it paid for did not happen). */
    public synchronized void giveBack(String key) {
        Bucket b = buckets.get(key);
        if (b != null) {
            b.tokens = Math.min(burst, b.tokens + 1);
        }
    }

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }
}
