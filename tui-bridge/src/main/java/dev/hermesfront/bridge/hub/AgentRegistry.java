package dev.hermesfront.bridge.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.threads.Threads;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The agents of a gateway by id, and which of them are parked.
 *
 * <p>Per principal (credential, plus the peer route for a relay), parked agents form a stack: a plain
 * reconnect takes the most recently parked one, or the one named by {@code ?resume=ID}; {@code ?agent=ID}
 * and share links find an agent by id whether it is parked or not. A parked agent is given up when its
 * window passes, when its buffer bound is exceeded, when it exits while parked, or, first of all, when the
 * gateway's {@link MemoryBudget} is exceeded (oldest first); the principal's next connection is then told
 * with a {@code notification.show} event ({@link #takeNotices}).
 *
 * <p>Thread-safe. Lock order: a hub's monitor may be held when this registry's is taken, never the reverse.
 */
public final class AgentRegistry implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentRegistry.class.getName());
    private static final int MAX_NOTICES = 8;
    /** Principals with undelivered notices kept at most (oldest forgotten first). */
    static final int MAX_NOTICE_PRINCIPALS = 4096;

    private final ParkingPolicy policy;
    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final MemoryBudget budget;
    private final ScheduledExecutorService timer;
    private final SecureRandom random = new SecureRandom();
    private final StoredSessions stored = new StoredSessions();
    private final Map<String, AgentHub> hubs = new HashMap<>();
    private final Map<String, Deque<AgentHub>> parked = new HashMap<>();
    /** Parked hubs, oldest first, with their expiry. */
    private final LinkedHashMap<AgentHub, ScheduledFuture<?>> expiries = new LinkedHashMap<>();
    private final LinkedHashMap<String, Deque<String>> notices = new LinkedHashMap<>();
    private final List<Consumer<AgentHub>> endListeners = new CopyOnWriteArrayList<>();
    /** Which agent routed each upstream server→client request that several upstream sockets got (issue 24). */
    final RequestClaims claims = new RequestClaims();
    private final List<RequestWatcher> watchers = new CopyOnWriteArrayList<>();

    public AgentRegistry(ParkingPolicy policy, ObjectMapper mapper, FrameCodec codec, MemoryBudget budget) {
        this.policy = policy;
        this.mapper = mapper;
        this.codec = codec;
        this.budget = budget;
        this.timer = Executors.newSingleThreadScheduledExecutor(Threads.single("parking-timer"));
        budget.relieveWith(this::relieve);
    }

    /** Returns the parking bounds. */
    public ParkingPolicy policy() {
        return policy;
    }

    /** Returns the memory budget every queue and buffer draws on. */
    public MemoryBudget budget() {
        return budget;
    }

    /** Creates and registers the hub for a new agent of {@code owner}. */
    public AgentHub create(Owner owner, boolean frontAnswersPings) {
        byte[] b = new byte[12];
        random.nextBytes(b);
        AgentHub hub = new AgentHub(HexFormat.of().formatHex(b), owner, frontAnswersPings, this, policy, budget, mapper, codec);
        synchronized (this) {
            hubs.put(hub.id(), hub);
        }
        return hub;
    }

    /** Returns the agent with id {@code id}, parked or not. */
    public synchronized Optional<AgentHub> find(String id) {
        return Optional.ofNullable(id == null ? null : hubs.get(id));
    }

    /** Returns every agent, in no particular order. */
    public synchronized List<AgentHub> all() {
        return new ArrayList<>(hubs.values());
    }

    /** Returns the number of agents (running or parked). */
    public synchronized int size() {
        return hubs.size();
    }

    /** Returns the number of parked agents. */
    public synchronized int parkedCount() {
        return expiries.size();
    }

    /** Tells {@code watcher} about every agent's server→client requests ({@link RequestWatcher}). */
    public void watchRequests(RequestWatcher watcher) {
        watchers.add(watcher);
    }

    /** Tells the watchers that {@code hub} waits on a request. Caller holds the hub's monitor. */
    void waiting(AgentHub hub, String key, String method, String sessionId, boolean attended) {
        for (RequestWatcher w : watchers) {
            w.waiting(hub, key, method, sessionId, attended);
        }
    }

    /** Tells the watchers that {@code hub}'s request {@code key} is settled. Caller holds the hub's monitor. */
    void settled(AgentHub hub, String key) {
        for (RequestWatcher w : watchers) {
            w.settled(hub, key);
        }
    }

    /** Runs {@code listener} with every agent that is stopped for good (share links for it are then void). */
    public void onEnded(Consumer<AgentHub> listener) {
        endListeners.add(listener);
    }

    /** Returns which principal each stored session belongs to (the gateway sets its policy). */
    public StoredSessions storedSessions() {
        return stored;
    }

    /**
     * Takes a parked agent of {@code principal} out of the parked stack, for a client that came back; the
     * caller then {@link AgentHub#reattach}es.
     *
     * @param resumeId a specific agent, or null for the most recently parked one
     */
    public synchronized Optional<AgentHub> takeParked(String principal, String resumeId) {
        Deque<AgentHub> stack = parked.get(principal);
        if (stack == null) {
            return Optional.empty();
        }
        for (Iterator<AgentHub> it = stack.iterator(); it.hasNext(); ) {
            AgentHub h = it.next();
            if (resumeId == null || h.id().equals(resumeId)) {
                it.remove();
                if (stack.isEmpty()) {
                    parked.remove(principal);
                }
                ScheduledFuture<?> f = expiries.remove(h);
                if (f != null) {
                    f.cancel(false);
                }
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    /** The hub parked (its last participant left); it waits here for its window. */
    void parked(AgentHub hub) {
        synchronized (this) {
            if (!hubs.containsKey(hub.id()) || expiries.containsKey(hub)) {
                return;
            }
            ScheduledFuture<?> expiry;
            try {
                expiry = timer.schedule(() -> giveUp(hub, "the reconnect window of " + policy.window().toSeconds()
                        + " s passed"), policy.window().toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // shutting down: close() stops what is left
            }
            expiries.put(hub, expiry);
            parked.computeIfAbsent(hub.owner().principal(), k -> new ArrayDeque<>()).push(hub);
        }
        LOG.log(System.Logger.Level.INFO, "agent {0} of {1} parked for up to {2} s", hub.id(), hub.owner().credential(),
                policy.window().toSeconds());
    }

    /** The hub is no longer parked (a participant came back through a join); idempotent. */
    synchronized void unparked(AgentHub hub) {
        ScheduledFuture<?> f = expiries.remove(hub);
        if (f == null) {
            return;
        }
        f.cancel(false);
        Deque<AgentHub> stack = parked.get(hub.owner().principal());
        if (stack != null) {
            stack.remove(hub);
            if (stack.isEmpty()) {
                parked.remove(hub.owner().principal());
            }
        }
    }

    /** The hub's parking buffer overflowed: give it up (asynchronously; called under the hub's monitor). */
    void overflowed(AgentHub hub) {
        later(() -> giveUp(hub, "more output than the parking buffer holds"));
    }

    /** Runs {@code r} on the parking timer; nothing once the registry is closed (the gateway stops every agent then). */
    private void later(Runnable r) {
        try {
            timer.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.log(System.Logger.Level.DEBUG, "parking timer stopped: {0}", e.getMessage());
        }
    }

    /** The agent exited while parked. */
    void exitedWhileParked(AgentHub hub, AgentExit exit) {
        later(() -> giveUp(hub, "the agent exited (" + exit.reason() + ")"));
    }

    /** The hub was stopped: forget it. */
    void ended(AgentHub hub) {
        synchronized (this) {
            hubs.remove(hub.id());
            unparked(hub);
        }
        endListeners.forEach(l -> l.accept(hub));
    }

    /** Gives up {@code hub} if it is still parked: its owner is told on the next connection. */
    private void giveUp(AgentHub hub, String why) {
        synchronized (this) {
            if (!expiries.containsKey(hub)) {
                return; // already taken back or given up
            }
            unparked(hub);
        }
        giveUpNow(hub, why);
    }

    /** Stops {@code hub} (already out of the parked stack) and leaves its owner a notice. */
    void giveUpNow(AgentHub hub, String why) {
        int lost = hub.lostFrames();
        String notice = Notices.agentLost(mapper, hub.id(), why, lost);
        synchronized (this) {
            String principal = hub.owner().principal();
            Deque<String> q = notices.computeIfAbsent(principal, k -> new ArrayDeque<>());
            if (q.size() == MAX_NOTICES) {
                q.pollFirst();
            }
            q.addLast(notice);
            if (notices.size() > MAX_NOTICE_PRINCIPALS) {
                Iterator<String> it = notices.keySet().iterator();
                it.next();
                it.remove();
            }
        }
        LOG.log(System.Logger.Level.WARNING, "parked agent {0} of {1} given up: {2}", hub.id(), hub.owner().credential(), why);
        hub.end(why);
    }

    /** The memory budget is exceeded: starts giving up the oldest parked agent; false when none is parked. */
    private boolean relieve(Runnable done) {
        AgentHub oldest;
        synchronized (this) {
            Iterator<AgentHub> it = expiries.keySet().iterator();
            if (!it.hasNext()) {
                return false;
            }
            oldest = it.next();
        }
        try {
            timer.execute(() -> {
                try {
                    giveUp(oldest, "the gateway's memory budget was exceeded");
                } finally {
                    done.run();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
        return true;
    }

    /** Returns and forgets the loss notices waiting for {@code principal}'s next connection. */
    public synchronized List<String> takeNotices(String principal) {
        Deque<String> q = notices.remove(principal);
        return q == null ? List.of() : new ArrayList<>(q);
    }

    /** Stops every parked agent (gateway shutdown); running ones are stopped by their clients' close. */
    @Override
    public void close() {
        List<AgentHub> all;
        synchronized (this) {
            all = new ArrayList<>(expiries.keySet());
            expiries.values().forEach(f -> f.cancel(false));
            expiries.clear();
            parked.clear();
        }
        for (AgentHub h : all) {
            h.end("the gateway is shutting down");
        }
        timer.shutdownNow();
    }
}
