package dev.hermesfront.bridge.hub;

/**
 * Told when an agent waits on a server→client request (tui-wire-current.md §5: {@code approval}, {@code clarify},
 * {@code sudo}, {@code secret} …) and when it stops waiting, e.g. to notify someone who is away. Registered with
 * {@link AgentRegistry#watchRequests}. Called while the hub's monitor is held: an implementation only records and
 * hands work to its own threads; it never blocks and never calls back into the hub.
 */
public interface RequestWatcher {
    /**
     * The agent waits on request {@code key} (its id as JSON text) of {@code method} on session {@code sessionId}
     * (may be null). {@code attended}: it went to a connected client that may answer it; false when it is held for
     * want of one or waits in a parked client's buffer. Called again when the request moves (its client parked or
     * left).
     */
    void waiting(AgentHub hub, String key, String method, String sessionId, boolean attended);

    /** Request {@code key} is answered, withdrawn ({@code request.cancel}), answered by the front, or its agent ended. */
    void settled(AgentHub hub, String key);
}
