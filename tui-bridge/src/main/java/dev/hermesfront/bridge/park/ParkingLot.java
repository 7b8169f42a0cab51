package dev.hermesfront.bridge.park;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.PythonJson;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Agents whose client left, kept for a while so that the client can come back to them.
 *
 * <p>Per principal (credential), parked agents form a stack: a reconnect takes the most recently parked
 * one, or the one named by its resume id. Two clients of one principal connected at once each have their
 * own agent; both can be parked and come back. An agent is given up when its window passes, when its
 * buffer bound is exceeded, or when it exits while parked; the principal's next connection is then told
 * with a {@code notification.show} event (see {@link #takeNotices}).
 *
 * <p>Thread-safe.
 */
public final class ParkingLot implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ParkingLot.class.getName());
    private static final int MAX_NOTICES = 8;

    private final ParkingPolicy policy;
    private final ObjectMapper mapper = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    private final FrameCodec codec;
    private final ScheduledExecutorService timer;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Deque<Parked>> parked = new HashMap<>();
    private final Map<String, Deque<String>> notices = new HashMap<>();

    public ParkingLot(ParkingPolicy policy, FrameCodec codec) {
        this.policy = policy;
        this.codec = codec;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "parking-timer");
            t.setDaemon(true);
            return t;
        });
    }

    public ParkingPolicy policy() {
        return policy;
    }

    /** Creates the attachment for a new agent of {@code principal}. */
    public Attachment newAttachment(String principal) {
        byte[] b = new byte[12];
        random.nextBytes(b);
        StringBuilder id = new StringBuilder(24);
        for (byte x : b) {
            id.append(String.format("%02x", x));
        }
        return new Attachment(principal, id.toString(), policy, mapper, codec);
    }

    /**
     * Takes a parked agent of {@code principal} back out of the lot.
     *
     * @param resumeId a specific agent, or null for the most recently parked one
     */
    public synchronized Optional<Attachment> take(String principal, String resumeId) {
        Deque<Parked> stack = parked.get(principal);
        if (stack == null) {
            return Optional.empty();
        }
        for (Iterator<Parked> it = stack.iterator(); it.hasNext(); ) {
            Parked p = it.next();
            if (resumeId == null || p.attachment.resumeId().equals(resumeId)) {
                it.remove();
                p.expiry.cancel(false);
                if (stack.isEmpty()) {
                    parked.remove(principal);
                }
                return Optional.of(p.attachment);
            }
        }
        return Optional.empty();
    }

    /**
     * Parks {@code a} after its client left. Returns false (and parks nothing) when parking is disabled;
     * the caller then stops the agent.
     *
     * @param unsent frames that were queued for the client but never sent; the next client gets them first
     */
    public boolean park(Attachment a, List<String> unsent) {
        if (!policy.enabled()) {
            return false;
        }
        // Detach before the attachment is visible in the lot, so a fast reconnect cannot be detached again.
        a.detach(unsent, () -> timer.execute(() -> giveUp(a, a.exit() != null ? "the agent exited (" + a.exit().reason() + ")"
                : "more output than the parking buffer holds")));
        synchronized (this) {
            ScheduledFuture<?> expiry = timer.schedule(() -> giveUp(a, "the reconnect window of " + policy.window().toSeconds()
                    + " s passed"), policy.window().toMillis(), TimeUnit.MILLISECONDS);
            parked.computeIfAbsent(a.principal(), k -> new ArrayDeque<>()).push(new Parked(a, expiry));
        }
        if (a.overflowed()) {
            // It overflowed between its client being cut off and being parked.
            timer.execute(() -> giveUp(a, "more output than the parking buffer holds"));
        }
        LOG.log(System.Logger.Level.INFO, "agent of {0} parked for up to {1} s", a.principal(), policy.window().toSeconds());
        return true;
    }

    private void giveUp(Attachment a, String why) {
        synchronized (this) {
            Deque<Parked> stack = parked.get(a.principal());
            boolean found = stack != null && stack.removeIf(p -> {
                if (p.attachment == a) {
                    p.expiry.cancel(false);
                    return true;
                }
                return false;
            });
            if (stack != null && stack.isEmpty()) {
                parked.remove(a.principal());
            }
            if (!found) {
                return; // already taken back or given up
            }
            int lost = a.buffered() + a.dropped();
            Deque<String> q = notices.computeIfAbsent(a.principal(), k -> new ArrayDeque<>());
            if (q.size() == MAX_NOTICES) {
                q.pollFirst();
            }
            q.addLast(notice(a.resumeId(), why, lost));
        }
        LOG.log(System.Logger.Level.WARNING, "parked agent of {0} given up: {1}", a.principal(), why);
        a.end();
    }

    private String notice(String resumeId, String why, int lostFrames) {
        ObjectNode payload = mapper.createObjectNode()
                .put("text", "hermes-front: your previous agent was stopped while you were away (" + why + "); "
                        + lostFrames + " frame(s) it sent were not delivered.")
                .put("level", "warn").put("kind", "hermes_front.parking").put("key", "hermes-front-parking-" + resumeId)
                .put("ttl_ms", 15000);
        payload.putObject("hermes_front").put("event", "agent_lost").put("resume_id", resumeId).put("reason", why)
                .put("lost_frames", lostFrames);
        ObjectNode root = mapper.createObjectNode().put("jsonrpc", "2.0").put("method", "event");
        root.putObject("params").put("type", "notification.show").put("session_id", "").set("payload", payload);
        return PythonJson.write(root);
    }

    /** Returns and forgets the loss notices waiting for {@code principal}'s next connection. */
    public synchronized List<String> takeNotices(String principal) {
        Deque<String> q = notices.remove(principal);
        return q == null ? List.of() : new ArrayList<>(q);
    }

    /** Returns the number of parked agents. */
    public synchronized int size() {
        return parked.values().stream().mapToInt(Deque::size).sum();
    }

    /** Stops every parked agent (gateway shutdown). */
    @Override
    public void close() {
        List<Parked> all = new ArrayList<>();
        synchronized (this) {
            parked.values().forEach(all::addAll);
            parked.clear();
        }
        for (Parked p : all) {
            p.expiry.cancel(false);
            p.attachment.end();
        }
        timer.shutdownNow();
    }

    private record Parked(Attachment attachment, ScheduledFuture<?> expiry) {}
}
