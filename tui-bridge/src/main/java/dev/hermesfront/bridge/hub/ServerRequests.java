package dev.hermesfront.bridge.hub;

import dev.hermesfront.protocol.WireFrame;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's open server→client requests (tui-wire-current.md §5: {@code approval}, {@code sudo},
 * {@code secret} … with ids {@code srq-…}), each with the one client it was offered to. A request is settled
 * by that client's answer or by the agent's {@code request.cancel}. Bounded: past {@link #MAX_OPEN} the
 * oldest is forgotten. Guarded by the hub's monitor.
 */
final class ServerRequests {
    static final int MAX_OPEN = 1024;

    /** One open request. */
    static final class Open {
        /** The id as the agent wrote it (JSON text). */
        final String key;
        final String method;
        final String sessionId;
        /** The frame as the agent sent it, to offer again. */
        final WireFrame frame;
        /** The client it went to; null while held for a participant to come. */
        Member target;
        /** Its frame waits in the target's parking buffer (it will arrive on re-attach without being offered again). */
        boolean buffered;
        /**
         * Routed to a client of another of the front's agents: upstream fanned it out to this agent's socket too
         * ({@link RequestClaims}). Never offered here; every answer to it from here is refused.
         */
        boolean elsewhere;

        Open(String key, String method, String sessionId, WireFrame frame) {
            this.key = key;
            this.method = method;
            this.sessionId = sessionId;
            this.frame = frame;
        }

        /** Returns true when the answer carries a secret (a password, a vault code): never logged or recorded. */
        boolean secret() {
            return isSecret(method);
        }
    }

    private final LinkedHashMap<String, Open> open = new LinkedHashMap<>();
    /** Keys of requests already answered, newest last, at most {@link #MAX_OPEN}. */
    private final LinkedHashMap<String, Boolean> settled = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_OPEN;
        }
    };

    /** Returns true for requests whose answers carry secrets: {@code sudo}, {@code secret}, {@code vault.*}, any {@code *sudo*}. */
    static boolean isSecret(String method) {
        return method != null && (method.equals("secret") || method.contains("sudo") || method.startsWith("vault."));
    }

    Open add(String key, String method, String sessionId, WireFrame frame) {
        Open o = new Open(key, method, sessionId, frame);
        open.put(key, o);
        if (open.size() > MAX_OPEN) {
            Iterator<Map.Entry<String, Open>> it = open.entrySet().iterator();
            it.next();
            it.remove();
        }
        return o;
    }

    Open get(String key) {
        return open.get(key);
    }

    /** Forgets the request (withdrawn by the agent, or its client gone); a late answer to it still goes on. */
    Open remove(String key) {
        return open.remove(key);
    }

    /** Settles the request with its client's answer: it is no longer open, and {@link #wasAnswered} remembers it. */
    Open answered(String key) {
        Open o = open.remove(key);
        if (o != null) {
            settled.put(key, Boolean.TRUE);
        }
        return o;
    }

    /**
     * Returns true when {@code key} named a request this hub saw answered: a second answer (another client's,
     * racing the first) goes nowhere. An answer after the agent's {@code request.cancel} is not one of these: it goes
     * on, as a transparent pipe would pass it, and the agent drops it as stale.
     */
    boolean wasAnswered(String key) {
        return settled.containsKey(key);
    }

    /** Returns every open request, oldest first. */
    List<Open> all() {
        return new ArrayList<>(open.values());
    }

    /** Returns the requests offered to {@code m}, oldest first. */
    List<Open> of(Member m) {
        List<Open> r = new ArrayList<>();
        for (Open o : open.values()) {
            if (o.target == m && !o.elsewhere) {
                r.add(o);
            }
        }
        return r;
    }

    /** Returns the keys of the open requests, oldest first. */
    List<String> keys() {
        return new ArrayList<>(open.keySet());
    }

    boolean isEmpty() {
        return open.isEmpty();
    }
}
