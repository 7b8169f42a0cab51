package dev.hermesfront.bridge.hub;

import dev.hermesfront.protocol.Frame;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The calls of an agent's clients that the agent has not answered yet, by the id the agent sees. A client's
 * id passes unchanged unless another client has a call outstanding under the same id: then it is renumbered
 * ({@code "hf.N"}, never one that is outstanding), and the answer gets the client's id back. A client that
 * reuses its own outstanding id is not renumbered (the agent does not track ids either), so one client's
 * traffic reaches the agent byte for byte. Bounded: past {@link #MAX_KEYS} ids the oldest is forgotten, and at most
 * {@link #MAX_PER_KEY} calls wait under one id (a client repeating its own id with no answer is refused past that: {@link #full}).
 * Guarded by the hub's monitor.
 */
final class IdMux {
    /** Ids kept at most; a client that never gets answers cannot grow this without bound. */
    static final int MAX_KEYS = 65_536;

    /** Calls outstanding under one id at most; the hub refuses one more ({@link #full}). */
    static final int MAX_PER_KEY = 64;

    /** One outstanding call. {@code member} is null once its client left: the answer is then dropped. */
    static final class Pending {
        Member member;
        /** The client's id text when the call was renumbered, else null. */
        final String original;
        final String method;

        Pending(Member member, String original, String method) {
            this.member = member;
            this.original = original;
            this.method = method;
        }
    }

    /** The id the agent will see and whether it differs from the client's. */
    record Registered(String key, boolean renumbered) {}

    /** Two or more calls outstanding under one id, oldest first. */
    private static final class Queue extends ArrayDeque<Pending> {
        Queue() {
            super(4);
        }
    }

    /**
     * The outstanding calls by the id the agent sees: a {@link Pending} while one call waits under an id (nearly always:
     * one object per call), a {@link Queue} once several do.
     */
    private final LinkedHashMap<String, Object> out = new LinkedHashMap<>();
    private long next;

    /** Returns the id text under which the agent answers {@code f} (an id-less call is answered with {@code null}). */
    static String keyOf(Frame f) {
        return f.id() == null ? "null" : f.id().json();
    }

    /**
     * Whether {@code f} of {@code m} would be the call past {@link #MAX_PER_KEY} under its id (it would not be
     * renumbered, and that many wait there already): the caller refuses it instead of registering it.
     */
    boolean full(Member m, Frame f) {
        return out.get(keyOf(f)) instanceof Queue q && q.size() >= MAX_PER_KEY && (f.idStart() < 0 || q.stream().noneMatch(p -> p.member != m));
    }

    /** Registers a call of {@code m}, sent with {@code method}; returns the id the agent sees. Check {@link #full} first. */
    Registered register(Member m, Frame f, String method) {
        String key = keyOf(f);
        Object v = out.get(key);
        String original = null;
        if (v != null && f.idStart() >= 0 && anotherThan(v, m)) {
            original = key;
            do {
                key = "\"hf." + (++next) + "\"";
            } while (out.containsKey(key));
            v = null;
        }
        Pending p = new Pending(m, original, method);
        if (v == null) {
            out.put(key, p);
        } else if (v instanceof Queue q) {
            q.addLast(p);
        } else {
            Queue q = new Queue();
            q.addLast((Pending) v);
            q.addLast(p);
            out.put(key, q); // replaces the value in place: the id keeps its age
        }
        if (out.size() > MAX_KEYS) {
            Iterator<Map.Entry<String, Object>> it = out.entrySet().iterator();
            it.next();
            it.remove();
        }
        return new Registered(key, original != null);
    }

    /** Returns true when a call outstanding in {@code v} (one, or a queue) is not {@code m}'s. */
    private static boolean anotherThan(Object v, Member m) {
        return v instanceof Queue q ? q.stream().anyMatch(p -> p.member != m) : ((Pending) v).member != m;
    }

    /** Takes the oldest call outstanding under {@code key}, or null. */
    Pending take(String key) {
        Object v = out.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Queue q)) {
            out.remove(key);
            return (Pending) v;
        }
        Pending p = q.pollFirst();
        if (q.isEmpty()) {
            out.remove(key);
        }
        return p;
    }

    /** Forgets which client made {@code m}'s calls: their answers will be dropped. */
    void forget(Member m) {
        for (Object v : out.values()) {
            if (v instanceof Queue q) {
                for (Pending p : q) {
                    if (p.member == m) {
                        p.member = null;
                    }
                }
            } else if (((Pending) v).member == m) {
                ((Pending) v).member = null;
            }
        }
    }

    boolean isEmpty() {
        return out.isEmpty();
    }

    int size() {
        return out.size();
    }
}
