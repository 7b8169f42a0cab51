package dev.hermesfront.bridge.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.protocol.PythonJson;

/**
 * The {@code notification.show} events the front sends of its own accord (tui-wire-current.md §11.3; the TUI
 * displays them): to an owner whose parked agent was given up, and to viewers of a shared agent when it is
 * parked, re-attached or stopped. Session-less ({@code "session_id": ""}), so every client shows them.
 */
final class Notices {
    private Notices() {}

    /** The owner's agent was stopped while parked; {@code lost} frames it sent never reached the owner. */
    static String agentLost(ObjectMapper mapper, String agentId, String why, int lost) {
        ObjectNode payload = mapper.createObjectNode()
                .put("text", "hermes-front: your previous agent was stopped while you were away (" + why + "); "
                        + lost + " frame(s) it sent were not delivered.")
                .put("level", "warn").put("kind", "hermes_front.parking").put("key", "hermes-front-parking-" + agentId)
                .put("ttl_ms", 15000);
        payload.putObject("hermes_front").put("event", "agent_lost").put("resume_id", agentId).put("reason", why)
                .put("lost_frames", lost);
        return event(mapper, payload);
    }

    /**
     * Tells a viewer what happened to the agent it watches: {@code event} is viewing, agent_parked, agent_reattached or
     * agent_stopped. The TUI keeps a notice whose {@code kind} is not {@code ttl} until another one with the same key
     * replaces it: "parked" stays up until "back" (which, like "viewing", goes after 15 s).
     */
    static String sharing(ObjectMapper mapper, String agentId, String event, String text, String level, boolean sticky) {
        ObjectNode payload = mapper.createObjectNode().put("text", "hermes-front: " + text).put("level", level)
                .put("kind", sticky ? "sticky" : "ttl").put("key", "hermes-front-sharing-" + agentId).put("ttl_ms", 15000);
        payload.putObject("hermes_front").put("event", event).put("agent_id", agentId);
        return event(mapper, payload);
    }

    private static String event(ObjectMapper mapper, ObjectNode payload) {
        ObjectNode root = mapper.createObjectNode().put("jsonrpc", "2.0").put("method", "event");
        root.putObject("params").put("type", "notification.show").put("session_id", "").set("payload", payload);
        return PythonJson.write(root);
    }
}
