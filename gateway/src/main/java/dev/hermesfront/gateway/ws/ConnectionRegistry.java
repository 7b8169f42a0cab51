package dev.hermesfront.gateway.ws;

import dev.hermesfront.gateway.policy.Identity;
import jakarta.websocket.CloseReason;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The attached /api/ws connections, for health, shutdown and re-validation. Thread-safe.
 *
 * <p>No window on reload: a reload swaps the generation, then checks every registered connection
 * ({@link #revoke}); a connection checks itself against the {@link #validateWith validator} right after it registers.
 * Whichever comes second sees both the new generation and the connection, so a connection admitted under the old
 * generation while a reload runs is checked against the new one either way.
 */
public final class ConnectionRegistry {
    private final Map<ClientConnection, TuiEndpoint> live = new ConcurrentHashMap<>();
    private volatile boolean shuttingDown;
    private volatile java.util.function.Function<Identity, CloseReason> validator = who -> null;

    /**
     * Sets what a connection is checked with when it registers (and what {@link #revalidate} applies): a close
     * reason when its authority no longer stands in the current generation, else null.
     */
    public void validateWith(java.util.function.Function<Identity, CloseReason> check) {
        this.validator = check;
    }

    void add(ClientConnection s, TuiEndpoint e) {
        live.put(s, e);
        Identity who = e.identity();
        CloseReason r = who == null ? null : validator.apply(who);
        if (r != null) {
            e.revoke(r);
        }
    }

    /** Applies the validator to every connection now; returns the identities closed. */
    public java.util.List<Identity> revalidate() {
        java.util.function.Function<Identity, CloseReason> v = validator;
        return revoke(v);
    }

    void remove(ClientConnection s) {
        live.remove(s);
        synchronized (this) {
            notifyAll();
        }
    }

    /** Waits until no client is attached, at most {@code timeout}; returns true when none is. */
    public synchronized boolean awaitEmpty(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!live.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Returns true once the gateway is shutting down: leaving clients' agents are stopped, not parked. */
    boolean shuttingDown() {
        return shuttingDown;
    }

    /** Returns the number of attached clients. */
    public int size() {
        return live.size();
    }

    /**
     * Closes at once every client for which {@code verdict} returns a close reason (the source of its grant was
     * removed: 4401; narrowed, or its share link expired or was revoked: 4403); a client closed 4401 has its agent
     * stopped, not parked.
     *
     * @return the identities closed
     */
    public java.util.List<Identity> revoke(java.util.function.Function<Identity, CloseReason> verdict) {
        java.util.List<Identity> closed = new java.util.ArrayList<>();
        for (TuiEndpoint e : live.values()) {
            Identity who = e.identity();
            CloseReason r = who == null ? null : verdict.apply(who);
            if (r != null) {
                e.revoke(r);
                closed.add(who);
            }
        }
        return closed;
    }

    /** Asks every client to close with 1001 after its queued frames. */
    public void shutdownAll() {
        shuttingDown = true;
        live.values().forEach(TuiEndpoint::shutdown);
    }
}
