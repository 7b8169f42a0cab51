package dev.hermesfront.bridge.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.PythonJson;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Delivery without doubles (issue 24; docs/protocol.md, "Delivery without doubles"): remembers, for one agent and
 * within the park window, the submissions it admitted ({@code prompt.submit}, {@code session.steer},
 * {@code session.redirect}) by session, principal, method and reference, so that a client resending one after a
 * drop, or two of the owner's devices sending the same one, do not make the agent run it twice.
 *
 * <p>The reference is the frame's {@code params.submission_ref} (tui-wire-current.md §13.2 S3: 1–64 printable ASCII
 * characters; upstream itself does not de-duplicate). On an agent whose contract rejects that key (a current-wire
 * agent with the 9eb0 ready shape: strict params, 4000), the front takes the reference out of the frame before it
 * reaches the agent, and a submission that has none is known by the request id the client used and its params (what
 * a client resending after a drop sends again). The July wire ignores unknown keys: the reference passes through.
 *
 * <p>A repeat that comes while the first is unanswered waits for the same answer; one that comes later gets a copy of
 * the answer, with its own id. Only admitted submissions are remembered: an error answer is handed to whoever waited
 * for it and then forgotten, so the next try reaches the agent. Bounded: at most {@link #MAX_ENTRIES} remembered
 * submissions (the oldest goes first), answers of at most {@link #MAX_ANSWER_CHARS} characters (a longer one is not
 * remembered), {@link #MAX_WAITERS} waiters each, and nothing older than the window. Not thread-safe: the hub
 * calls it under its monitor.
 */
final class SubmissionLedger {
    static final int MAX_ENTRIES = 256;
    static final int MAX_ANSWER_CHARS = 16 * 1024;
    static final int MAX_WAITERS = 16;
    /** The methods whose frames are submissions (tui-wire-current.md §13.2 S3). */
    static final Set<String> METHODS = Set.of("prompt.submit", "session.steer", "session.redirect");

    /** How the agent's contract treats {@code submission_ref}, from its {@code gateway.ready}. */
    enum Refs {
        /** The shared-session wire v1: accepts it (and keeps no de-duplication of its own). */
        ACCEPTED,
        /** The 9eb0 contract: strict params, answers 4000 to it. */
        REJECTED,
        /** The July wire: unknown keys are ignored. */
        IGNORED
    }

    /** What the hub does with a client's call. */
    sealed interface Admission {
        /** Not a submission this ledger knows (or nothing to remember): send {@code frame} on as usual. */
        record Forward(Frame frame) implements Admission {}

        /** A new submission: send {@code frame} (its reference taken out where the agent rejects it), then {@link #sent}. */
        record Admit(Frame frame, Entry entry) implements Admission {}

        /** A repeat already answered: give the client {@code answer} (its own id) and send nothing to the agent. */
        record Answered(String answer) implements Admission {}

        /** A repeat of one still unanswered: the client gets the same answer when it comes; send nothing. */
        record Waiting() implements Admission {}
    }

    /** An answer for a member that repeated a submission. */
    record Delivery(Member member, String frame) {}

    /** One remembered submission. */
    static final class Entry {
        final String key;
        long touchedNanos;
        String agentKey;
        String answer;
        final List<Waiter> waiters = new ArrayList<>(1);

        Entry(String key, long now) {
            this.key = key;
            this.touchedNanos = now;
        }
    }

    private record Waiter(Member member, String idJson) {}

    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final long windowNanos;
    private final LongSupplier clock;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    /** Unanswered submissions by the id the agent saw (as JSON text). */
    private final Map<String, Entry> inFlight = new HashMap<>();
    private String readySeen;
    private Refs refs = Refs.IGNORED;

    SubmissionLedger(ObjectMapper mapper, FrameCodec codec, Duration window, LongSupplier clock) {
        this.mapper = mapper;
        this.codec = codec;
        this.windowNanos = window.toNanos();
        this.clock = clock;
    }

    /** Returns true when nothing is remembered (the hub's response path skips the ledger then). */
    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Returns how many submissions are remembered. */
    int size() {
        return entries.size();
    }

    /**
     * Decides what happens to a client's call {@code f} from {@code m}. {@code ready} is the agent's {@code gateway.ready}
     * (null before it came): its shape says how the agent treats {@code submission_ref}.
     */
    Admission admit(Member m, Frame f, String ready) {
        if (windowNanos <= 0 || !METHODS.contains(f.method()) || f.sessionId() == null || f.sessionId().isEmpty()) {
            return new Admission.Forward(f);
        }
        learn(ready);
        JsonNode root;
        try {
            root = mapper.readTree(f.text());
        } catch (IOException | RuntimeException e) {
            return new Admission.Forward(f);
        }
        if (!(root.path("params") instanceof ObjectNode params)) {
            return new Admission.Forward(f);
        }
        JsonNode refNode = params.get("submission_ref");
        String ref = refNode != null && refNode.isTextual() && valid(refNode.asText()) ? refNode.asText() : null;
        Frame out = f;
        if (refNode != null && refs == Refs.REJECTED) {
            params.remove("submission_ref");
            out = codec.decode(PythonJson.write(root)) instanceof Decoded.Valid v ? v.frame() : f;
        }
        String key;
        if (ref != null) {
            key = "ref\u0000" + ref;
        } else if (refs == Refs.REJECTED && f.id() != null) {
            key = "id\u0000" + f.id().json() + "\u0000" + PythonJson.write(params);
        } else {
            return new Admission.Forward(out);
        }
        key = f.sessionId() + "\u0000" + m.name + "\u0000" + f.method() + "\u0000" + key;
        long now = clock.getAsLong();
        expire(now);
        Entry e = entries.get(key);
        if (e == null) {
            e = new Entry(key, now);
            entries.put(key, e);
            while (entries.size() > MAX_ENTRIES) {
                forget(entries.values().iterator().next());
            }
            return new Admission.Admit(out, e);
        }
        if (e.answer != null) {
            e.touchedNanos = now;
            return new Admission.Answered(withId(e.answer, f.replyId().json()));
        }
        if (e.waiters.size() >= MAX_WAITERS || f.id() == null) {
            return new Admission.Forward(out);
        }
        e.waiters.add(new Waiter(m, f.id().json()));
        return new Admission.Waiting();
    }

    /** Notes the id the agent saw for an admitted submission ({@code IdMux}'s key). */
    void sent(Entry e, String agentKey) {
        if (entries.get(e.key) == e) {
            e.agentKey = agentKey;
            inFlight.put(agentKey, e);
        }
    }

    /**
     * Notes the agent's answer (id as the agent saw it: {@code agentKey}); returns the copies for members that repeated
     * the submission meanwhile, each with its own id. An error answer is not remembered.
     */
    List<Delivery> answered(String agentKey, String frame) {
        Entry e = inFlight.remove(agentKey);
        if (e == null) {
            return List.of();
        }
        List<Delivery> out = new ArrayList<>(e.waiters.size());
        for (Waiter w : e.waiters) {
            if (!w.member().left) {
                out.add(new Delivery(w.member(), withId(frame, w.idJson())));
            }
        }
        e.waiters.clear();
        boolean admitted = codec.decode(frame) instanceof Decoded.Valid v && v.frame().kind() == FrameKind.RESPONSE;
        if (admitted && frame.length() <= MAX_ANSWER_CHARS && entries.get(e.key) == e) {
            e.answer = frame;
            e.touchedNanos = clock.getAsLong();
        } else {
            entries.remove(e.key);
        }
        return out;
    }

    /** Forgets what {@code m} waits for (it left). */
    void forget(Member m) {
        for (Entry e : entries.values()) {
            e.waiters.removeIf(w -> w.member() == m);
        }
    }

    private void forget(Entry e) {
        entries.remove(e.key);
        if (e.agentKey != null) {
            inFlight.remove(e.agentKey, e);
        }
    }

    private void expire(long now) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (now - e.touchedNanos <= windowNanos) {
                continue;
            }
            it.remove();
            if (e.agentKey != null) {
                inFlight.remove(e.agentKey, e);
            }
        }
    }

    private void learn(String ready) {
        if (ready == null || ready == readySeen) {
            return;
        }
        readySeen = ready;
        try {
            JsonNode payload = mapper.readTree(ready).path("params").path("payload");
            refs = payload.has("shared_session") ? Refs.ACCEPTED : payload.has("protocol") ? Refs.REJECTED : Refs.IGNORED;
        } catch (IOException | RuntimeException e) {
            refs = Refs.IGNORED;
        }
    }

    /** Returns how the agent treats {@code submission_ref}, as far as its ready frame said. */
    Refs refs() {
        return refs;
    }

    private String withId(String answer, String idJson) {
        return codec.decode(answer) instanceof Decoded.Valid v && v.frame().idStart() >= 0 ? v.frame().withId(idJson) : answer;
    }

    /** A submission reference as upstream accepts it: 1–64 printable ASCII characters (S3). */
    static boolean valid(String ref) {
        return !ref.isEmpty() && ref.length() <= 64 && ref.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }
}
