package dev.hermesfront.gateway.policy;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Single-use WebSocket tickets ({@code POST /api/auth/ws-ticket}, tui-wire-current.md §9): a random
 * token bound to the identity that minted it, valid for {@code ttl} (30 s), removed on first use. A ticket is a
 * {@link Grant} of kind {@link Grant.Kind#TICKET}: its source is the minter's grant, its cap the minter's scope when
 * minted; it copies no authority, so the {@link Gate} derives what it may do from the source at every use. For
 * clients that cannot put a credential in a header or the query (browsers, Tailscale Funnel). Bounded:
 * at most {@code max} live tickets; minting past it forgets the oldest. Thread-safe.
 */
public final class TicketBook {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final long ttlNanos;
    private final int max;
    private final LongSupplier nanoClock;
    /** By ticket text, in minting order (oldest first). */
    private final LinkedHashMap<String, Entry> live = new LinkedHashMap<>();

    private record Entry(Identity who, long expiresAt) {}

    public TicketBook(Duration ttl, int max, LongSupplier nanoClock) {
        this.ttlNanos = ttl.toNanos();
        this.max = max;
        this.nanoClock = nanoClock;
    }

    /** Returns the defaults: 30 s, 10,000 live tickets. */
    public static TicketBook defaults() {
        return new TicketBook(Duration.ofSeconds(30), 10_000, System::nanoTime);
    }

    /** Returns how long a ticket lives. */
    public Duration ttl() {
        return Duration.ofNanos(ttlNanos);
    }

    /**
     * Mints a ticket for {@code who} (just authenticated: its scope is current); the ticket's grant derives from
     * {@code who}'s, capped at that scope, and is bound to the same agent if {@code who} is.
     */
    public String mint(Identity who) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        byte[] idBytes = new byte[9];
        RANDOM.nextBytes(idBytes);
        Grant grant = who.grant().derive(Grant.Kind.TICKET, "tkt-" + Base64.getUrlEncoder().withoutPadding().encodeToString(idBytes),
                Grants.min(who.scope(), who.grant().cap()), who.agent());
        long now = nanoClock.getAsLong();
        synchronized (this) {
            expire(now);
            while (live.size() >= max) {
                Iterator<String> it = live.keySet().iterator();
                it.next();
                it.remove();
            }
            live.put(ticket, new Entry(Identity.of(who.name(), grant.cap(), "ticket", grant), now + ttlNanos));
        }
        return ticket;
    }

    /** Takes {@code ticket} out: its identity if it was live, else empty. A ticket works once. */
    public Optional<Identity> consume(String ticket) {
        long now = nanoClock.getAsLong();
        synchronized (this) {
            Entry e = live.remove(ticket);
            if (e == null || e.expiresAt - now <= 0) {
                return Optional.empty();
            }
            return Optional.of(e.who);
        }
    }

    /** Returns the number of live (unexpired, unused) tickets. */
    public synchronized int size() {
        expire(nanoClock.getAsLong());
        return live.size();
    }

    private void expire(long now) {
        for (Iterator<Map.Entry<String, Entry>> it = live.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue().expiresAt - now > 0) {
                break; // minting order is expiry order
            }
            it.remove();
        }
    }
}
