package dev.hermesfront.gateway.http;

import dev.hermesfront.gateway.policy.WindowedLog;
import io.undertow.server.AbstractServerConnection;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;

/**
 * Bounds the connections the listener holds (issue 21, F7: about 20,000 idle unauthenticated connections, the fd
 * limit, made the front unreachable for about 50 s per wave, because XNIO backs off accepting for up to 30 s after
 * {@code EMFILE}). Wraps the listener's open listener, on the IO thread that accepted, and never blocks:
 *
 * <ul>
 *   <li><b>per address</b>: at most {@code perAddress} open connections from one client address; one more is
 *       closed at once (accepted and closed: it holds no descriptor), so one address cannot take every slot;</li>
 *   <li><b>in total</b>: at most {@code total} open connections, below the process's descriptor limit (agents'
 *       pipes and upstream connections need descriptors too), so accepting never meets {@code EMFILE};</li>
 *   <li><b>before a credential</b>: a connection that has not made a request with an accepted credential (REST or
 *       the {@code /api/ws} upgrade, {@link #credentialed}) within {@code handshakeTimeout} of being accepted is
 *       closed; an idle socket holds its slot for seconds, not for the keep-alive time.</li>
 * </ul>
 *
 * <p>Counting is lazy: the connections of an address are looked at (closed ones dropped) when that address opens
 * another, all of them when the total is reached, so no close listener is needed (Undertow and the WebSocket
 * upgrade each replace the connection's one). At most {@code total} connections are tracked. Refusals are logged
 * once a minute per address ({@link WindowedLog}).
 */
public final class ConnectionCaps implements ChannelListener<StreamConnection> {
    private static final System.Logger LOG = System.getLogger(ConnectionCaps.class.getName());
    /** Set on a connection once a request on it was authenticated. */
    private static final AttachmentKey<Tracked> TRACKED = AttachmentKey.create(Tracked.class);

    private final int total;
    private final int perAddress;
    private final long handshakeMillis;
    private final ChannelListener<? super StreamConnection> next;
    private final WindowedLog refusals = WindowedLog.of(LOG, System.Logger.Level.WARNING);
    private final java.util.concurrent.atomic.AtomicLong refusedOverCap = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong closedUncredentialed = new java.util.concurrent.atomic.AtomicLong();
    /** Open (or not yet seen closed) connections by client address; guarded by {@code this}. */
    private final Map<InetAddress, List<Tracked>> byAddress = new HashMap<>();
    /** Tracked connections by connection, to mark the credentialed ones; guarded by {@code this}. */
    private final Map<StreamConnection, Tracked> byConnection = new HashMap<>();

    /** Admissions between two sweeps of every address's closed connections (see {@link #admit}). */
    static final int SWEEP_EVERY = 1024;
    private int admitted;

    /** One accepted connection. */
    private static final class Tracked {
        final StreamConnection connection;
        volatile boolean credentialed;
        /** The handshake deadline, removed once the connection is credentialed. */
        volatile XnioExecutor.Key deadline;

        Tracked(StreamConnection connection) {
            this.connection = connection;
        }
    }

    /**
     * @param total            open connections at most (at least 1)
     * @param perAddress       open connections from one client address at most (at least 1)
     * @param handshakeTimeout time to make a request with a credential; zero: no limit
     * @param next             the listener's open listener ({@code HttpOpenListener})
     */
    public ConnectionCaps(int total, int perAddress, Duration handshakeTimeout, ChannelListener<? super StreamConnection> next) {
        this.total = Math.max(1, total);
        this.perAddress = Math.max(1, perAddress);
        this.handshakeMillis = handshakeTimeout.toMillis();
        this.next = next;
    }

    @Override
    public void handleEvent(StreamConnection c) {
        InetAddress address = address(c.getPeerAddress());
        Tracked t = new Tracked(c);
        String refused = admit(address, t);
        if (refused != null) {
            String who = address == null ? "?" : address.getHostAddress();
            refusals.log(who + " " + refused, "closed a new connection from " + who + ": " + refused);
            refusedOverCap.incrementAndGet();
            hangUp(c);
            return;
        }
        if (handshakeMillis > 0) {
            // Removed at the credential (credentialed): a pending timer holds the connection, and after a WebSocket
            // upgrade everything its listeners reach (session, agent, upstream link), for the whole timeout.
            t.deadline = c.getIoThread().executeAfter(() -> {
                if (!t.credentialed && c.isOpen()) {
                    LOG.log(System.Logger.Level.DEBUG, "closing a connection from {0}: no request with a credential within {1} ms",
                            address, handshakeMillis);
                    closedUncredentialed.incrementAndGet();
                    hangUp(c);
                }
            }, handshakeMillis, TimeUnit.MILLISECONDS);
        }
        next.handleEvent(c);
    }

    /**
     * Closes {@code c} now. The FIN is sent first: closing a channel still registered with its IO thread's selector
     * releases the socket only at that selector's next wake-up, which on a quiet thread can be much later.
     */
    private static void hangUp(StreamConnection c) {
        try {
            c.getSinkChannel().shutdownWrites();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.TRACE, "shutdown: {0}", e.getMessage());
        }
        IoUtils.safeClose(c);
        c.getIoThread().execute(() -> { }); // wakes that thread, which then releases the socket
    }

    /** Records {@code t}; returns null when admitted, else why not. */
    private synchronized String admit(InetAddress address, Tracked t) {
        if (++admitted % SWEEP_EVERY == 0) {
            // A closed connection is forgotten when its own address connects again; this bounds the others, which
            // would otherwise be held (with all their listeners reach) until the total is reached.
            pruneAll();
        }
        List<Tracked> mine = byAddress.get(address);
        if (mine != null) {
            prune(mine);
            if (mine.size() >= perAddress) {
                return "this address has " + perAddress + " connections open (limits.connections_per_address)";
            }
        }
        if (byConnection.size() >= total) {
            pruneAll();
            if (byConnection.size() >= total) {
                return "the front has " + total + " connections open (limits.max_connections)";
            }
            mine = byAddress.get(address);
        }
        if (mine == null) {
            mine = new ArrayList<>(4);
            byAddress.put(address, mine);
        }
        mine.add(t);
        byConnection.put(t.connection, t);
        return null;
    }

    private void prune(List<Tracked> list) {
        for (Iterator<Tracked> it = list.iterator(); it.hasNext();) {
            Tracked x = it.next();
            if (!x.connection.isOpen()) {
                it.remove();
                byConnection.remove(x.connection);
            }
        }
    }

    private void pruneAll() {
        for (Iterator<List<Tracked>> it = byAddress.values().iterator(); it.hasNext();) {
            List<Tracked> list = it.next();
            prune(list);
            if (list.isEmpty()) {
                it.remove();
            }
        }
    }

    /**
     * Marks the exchange's connection as having made a request with an accepted credential: the handshake
     * deadline no longer applies to it. Called by the routes that authenticate ({@link AccessHandler},
     * {@link TuiHandshakeHandler}).
     */
    public static void credentialed(HttpServerExchange ex) {
        ServerConnection sc = ex.getConnection();
        Tracked t = sc == null ? null : sc.getAttachment(TRACKED);
        if (t != null) {
            t.credentialed = true;
            XnioExecutor.Key deadline = t.deadline;
            if (deadline != null) {
                t.deadline = null;
                deadline.remove(); // thread-safe: the IO thread's timer queue is locked
            }
        }
    }

    /**
     * Returns a handler that, on the first request of each connection, ties the connection to its entry here (so
     * that {@link #credentialed} can mark it), then runs {@code next}. Outermost in the chain.
     */
    public HttpHandler handler(HttpHandler next) {
        return ex -> {
            ServerConnection sc = ex.getConnection();
            if (sc != null && sc.getAttachment(TRACKED) == null && sc instanceof AbstractServerConnection asc) {
                Tracked t;
                synchronized (this) {
                    t = byConnection.get(asc.getChannel());
                }
                if (t != null) {
                    sc.putAttachment(TRACKED, t);
                }
            }
            next.handleRequest(ex);
        };
    }

    /** Returns how many new connections were closed at once for a cap (per address or in total). */
    public long refusedOverCap() {
        return refusedOverCap.get();
    }

    /** Returns how many connections were closed for making no request with a credential in time. */
    public long closedUncredentialed() {
        return closedUncredentialed.get();
    }

    /** Returns the tracked connections whose handshake deadline is still pending (no credential yet). */
    synchronized int awaitingCredential() {
        int n = 0;
        for (Tracked t : byConnection.values()) {
            if (t.deadline != null && t.connection.isOpen()) {
                n++;
            }
        }
        return n;
    }

    /** Returns the connections tracked now (some may have closed since they were last looked at). */
    public synchronized int tracked() {
        return byConnection.size();
    }

    private static InetAddress address(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getAddress() : null;
    }

    /**
     * Returns the default total: half the descriptors this process may open, less 64 kept for the log, the audit
     * log and the listener, at least 64; or 16,384 where the limit cannot be read.
     */
    public static int defaultTotal() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long max = unix.getMaxFileDescriptorCount();
            return (int) Math.max(64, Math.min(Integer.MAX_VALUE, (max - 64) / 2));
        }
        return 16_384;
    }
}
