package dev.hermesfront.gateway.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Token buckets by key (a credential, a principal): {@code burst} tokens, refilled at {@code perSecond}.
 *
 * <p>Bounded: a bucket left alone long enough to refill completely is forgotten (a fresh bucket is the same
 * thing, so this changes nothing), and at most {@value #MAX_KEYS} buckets are kept (a Caffeine cache, O(1) per
 * call). Past that bound a bucket Caffeine evicts comes back full, which only favours its key; the keys are
 * authenticated names (credentials, principals), so no unauthenticated client can grow the map. Thread-safe;
 * each key is updated atomically.
 */
public final class TokenBuckets {
    /** Most buckets kept at once. */
    static final int MAX_KEYS = 10_000;

    private final double burst;
    private final double perSecond;
    private final LongSupplier nanoClock;
    private final Cache<String, Bucket> buckets;

    public TokenBuckets(double burst, double perSecond, LongSupplier nanoClock) {
        if (burst < 1 || !(perSecond > 0)) {
            throw new IllegalArgumentException("a burst >= 1 and a rate > 0");
        }
        this.burst = burst;
        this.perSecond = perSecond;
        this.nanoClock = nanoClock;
        Duration refill = Duration.ofNanos((long) Math.ceil(burst / perSecond * 1e9));
        // Maintenance runs on the calling thread (a few entries per call): no pool of its own.
        this.buckets = Caffeine.newBuilder().maximumSize(MAX_KEYS).expireAfterAccess(refill)
                .ticker(nanoClock::getAsLong).executor(Runnable::run).build();
    }

    /**
     * Takes one token for {@code key}.
     *
     * @return 0 when taken, else how many milliseconds until a token is available (at least 1)
     */
    public long take(String key) {
        long now = nanoClock.getAsLong();
        long[] wait = new long[1];
        buckets.asMap().compute(key, (k, b) -> {
            Bucket x = b == null ? new Bucket(burst, now) : b;
            x.tokens = Math.min(burst, x.tokens + (now - x.at) / 1e9 * perSecond);
            x.at = now;
            if (x.tokens >= 1) {
                x.tokens -= 1;
            } else {
                wait[0] = Math.max(1, (long) Math.ceil((1 - x.tokens) / perSecond * 1000));
            }
            return x;
        });
        return wait[0];
    }

    /** Puts back a token taken for {@code key} (the action it paid for did not happen). */
    public void giveBack(String key) {
        buckets.asMap().computeIfPresent(key, (k, b) -> {
            b.tokens = Math.min(burst, b.tokens + 1);
            return b;
        });
    }

    /** Returns how many buckets are kept, after pending evictions. */
    long kept() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    /** Mutated only inside the cache's per-key compute. */
    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }
}
