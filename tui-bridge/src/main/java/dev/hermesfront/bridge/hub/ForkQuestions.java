package dev.hermesfront.bridge.hub;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's questions on the fork (July) wire (tui-wire.md §3.5), where they are session events
 * ({@code approval.request}, {@code sudo.request}, …) answered by methods ({@code approval.respond},
 * {@code sudo.respond}, …), not server→client requests: the hub remembers whom each went to (the session's last
 * submitter, else the owner, else a participant) so that only that client may answer it, as on the current wire
 * ({@link ServerRequests}), and viewers never receive them. Bounded ({@link #MAX}, oldest forgotten). Guarded by the
 * hub's monitor.
 */
final class ForkQuestions {
    static final int MAX = 1_024;
    /** The question events. */
    static final Set<String> ASKS = Set.of("approval.request", "clarify.request", "sudo.request", "secret.request", "terminal.read.request");
    /** The events that withdraw a question. */
    static final Set<String> EXPIRES = Set.of("sudo.expire", "secret.expire");
    /** The calls that answer one. */
    static final Set<String> ANSWERS = Set.of("approval.respond", "clarify.respond", "sudo.respond", "secret.respond",
            "terminal.read.respond");

    /** One open question: its kind ({@code approval}, {@code sudo}, …), session, and the client it went to. */
    record Ask(String key, String kind, String sessionId, Member target) {}

    private final LinkedHashMap<String, Ask> open = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Ask> eldest) {
            return size() > MAX;
        }
    };
    private long approvals;

    private static String kind(String name, String suffix) {
        return name.substring(0, name.length() - suffix.length());
    }

    /** Notes question event {@code type} (with {@code requestId}, none for approvals) on {@code sid}, given to {@code target}. */
    void asked(String type, String sid, String requestId, Member target) {
        String kind = kind(type, ".request");
        if (kind.equals("approval")) {
            String key = "approval#" + (++approvals);
            open.put(key, new Ask(key, kind, sid, target));
        } else if (requestId != null) {
            open.put(kind + ":" + requestId, new Ask(kind + ":" + requestId, kind, sid, target));
        }
    }

    /** Forgets the question an expiry event withdraws. */
    void expired(String type, String requestId) {
        if (requestId != null) {
            open.remove(kind(type, ".expire") + ":" + requestId);
        }
    }

    /**
     * Returns the open questions answer {@code method} names: the one of its {@code request_id}, or for
     * {@code approval.respond} the session's approvals (every one with {@code all}, else the oldest: the agent answers
     * them first in, first out).
     */
    List<Ask> named(String method, String sid, String requestId, boolean all) {
        String kind = kind(method, ".respond");
        if (!kind.equals("approval")) {
            Ask a = requestId == null ? null : open.get(kind + ":" + requestId);
            return a == null ? List.of() : List.of(a);
        }
        List<Ask> out = new ArrayList<>();
        for (Ask a : open.values()) {
            if (a.kind().equals("approval") && (sid == null || a.sessionId() == null || sid.equals(a.sessionId()))) {
                out.add(a);
                if (!all) {
                    break;
                }
            }
        }
        return out;
    }

    /** Forgets answered questions. */
    void answered(List<Ask> asks) {
        for (Ask a : asks) {
            open.remove(a.key());
        }
    }

    int size() {
        return open.size();
    }
}
