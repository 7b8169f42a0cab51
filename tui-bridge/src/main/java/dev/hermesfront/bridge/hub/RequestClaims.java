package dev.hermesfront.bridge.hub;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which of the front's agents a server→client request of an upstream {@code /api/ws} was routed through, across every
 * agent of the front (issue 24; tui-wire-current.md §13.3). Upstream fans a session's events and requests out to
 * every socket attached to it and takes the first answer from any of them, "not a new entitlement boundary". When
 * several of the front's clients each have their own upstream socket on the same session (a dashboard link or a peer
 * relay: one socket per agent of the front), every one of those sockets gets the same request. The first agent to
 * claim it routes it to its client, by the usual rule; the others keep it open as someone else's: they never offer it
 * and refuse every answer to it from their clients (a bare response frame, and the settling calls), so that the
 * fan-out cannot route around "only the client the request went to may settle it". Keyed by the request id alone
 * (upstream's are {@code srq-} and 48 random bits, so two upstreams do not share one in practice; and the key is
 * known before the agent link is, which a frame may overtake). Bounded: the oldest of more than {@link #MAX} claims is
 * forgotten. Thread-safe.
 */
public final class RequestClaims {
    static final int MAX = 4096;

    private final Map<String, AgentHub> claims = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, AgentHub> eldest) {
            return size() > MAX;
        }
    };

    /** Returns true when {@code hub} may route request {@code key}: no other agent of the front claimed it first. */
    public synchronized boolean claim(String key, AgentHub hub) {
        AgentHub first = claims.putIfAbsent(key, hub);
        return first == null || first == hub;
    }

    /** Forgets every claim of {@code hub} (it ended). */
    public synchronized void release(AgentHub hub) {
        claims.values().removeIf(h -> h == hub);
    }
}
