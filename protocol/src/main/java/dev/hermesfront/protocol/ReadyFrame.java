package dev.hermesfront.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * Reads and amends the agent's {@code gateway.ready} frame (tui-wire.md §2.1, tui-wire-current.md §2).
 *
 * <p>What the front may add, and where: {@code payload.heartbeat: true} when the front itself answers
 * {@code gateway.ping} (only on a current-wire ready, one whose payload has {@code protocol} (the 9eb0 shape) or
 * {@code shared_session} (the shared-session shape, tui-wire-current.md §13.1): the July wire has no heartbeat at
 * all, and its bytes stay exact), and its own members inside {@code payload.capabilities.hermes_front}
 * ({@code capabilities} is an open object in the contract, the payload's top level is closed). Any amendment
 * re-serializes the frame in the agent's style; a frame that needs none is returned as the same string.
 */
public final class ReadyFrame {
    /** The member the front's own announcements live in, inside {@code payload.capabilities}. */
    public static final String FRONT_KEY = "hermes_front";

    private ReadyFrame() {}

    /** Returns true when {@code frame} is a {@code gateway.ready} event (a cheap text test first, then a parse). */
    public static boolean isReady(String frame, ObjectMapper mapper) {
        if (!frame.contains("\"gateway.ready\"")) {
            return false;
        }
        try {
            return "gateway.ready".equals(mapper.readTree(frame).path("params").path("type").asText(null));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Returns true when {@code frame} is a current-wire ready: its payload carries {@code protocol} (the 9eb0 shape,
     * tui-wire-current.md §2) or {@code shared_session} (the shared-session shape, §13.1), whichever of the two.
     */
    public static boolean isCurrentWire(String frame, ObjectMapper mapper) {
        if (!frame.contains("\"protocol\"") && !frame.contains("\"shared_session\"")) {
            return false;
        }
        try {
            JsonNode params = mapper.readTree(frame).path("params");
            return "gateway.ready".equals(params.path("type").asText(null)) && currentWire(params.path("payload"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Returns {@code frame} amended: {@code heartbeat: true} added to a current-wire payload (either shape) that lacks it when
     * {@code heartbeat} is set, and each entry of {@code front} put into {@code payload.capabilities.hermes_front}
     * (created when absent; entries already there are kept unless named again). Values may be strings, numbers
     * or booleans. Anything that is not a ready frame comes back unchanged.
     */
    public static String amend(String frame, ObjectMapper mapper, boolean heartbeat, Map<String, ?> front) {
        if (!heartbeat && front.isEmpty()) {
            return frame;
        }
        JsonNode root;
        try {
            root = mapper.readTree(frame);
        } catch (IOException | RuntimeException e) {
            return frame;
        }
        JsonNode params = root.path("params");
        if (!(params instanceof ObjectNode p) || !"gateway.ready".equals(params.path("type").asText(null))) {
            return frame;
        }
        JsonNode existing = p.path("payload");
        if (!existing.isMissingNode() && !existing.isObject()) {
            return frame;
        }
        ObjectNode payload = existing.isObject() ? (ObjectNode) existing : p.putObject("payload");
        boolean changed = false;
        if (heartbeat && currentWire(payload) && !payload.has("heartbeat")) {
            payload.put("heartbeat", true);
            changed = true;
        }
        if (!front.isEmpty()) {
            JsonNode caps = payload.path("capabilities");
            if (caps.isMissingNode() || caps.isNull()) {
                caps = payload.putObject("capabilities");
            }
            if (caps instanceof ObjectNode c) {
                JsonNode hf = c.path(FRONT_KEY);
                ObjectNode target = hf instanceof ObjectNode o ? o : c.putObject(FRONT_KEY);
                front.forEach((k, v) -> put(target, k, v));
                changed = true;
            }
        }
        return changed ? PythonJson.write(root) : frame;
    }

    /**
     * Returns {@code frame} with the named members removed from {@code payload.capabilities.hermes_front} (and that
     * object removed when it ends up empty): what a front behind this one announced about its own agent. Anything
     * that is not a ready frame, or has none of them, comes back as the same string.
     */
    public static String strip(String frame, ObjectMapper mapper, Set<String> keys) {
        if (!frame.contains(FRONT_KEY)) {
            return frame;
        }
        JsonNode root;
        try {
            root = mapper.readTree(frame);
        } catch (IOException | RuntimeException e) {
            return frame;
        }
        JsonNode params = root.path("params");
        if (!"gateway.ready".equals(params.path("type").asText(null))
                || !(params.path("payload").path("capabilities").path(FRONT_KEY) instanceof ObjectNode hf)) {
            return frame;
        }
        boolean changed = false;
        for (String k : keys) {
            changed |= hf.remove(k) != null;
        }
        if (!changed) {
            return frame;
        }
        if (hf.isEmpty()) {
            ((ObjectNode) params.path("payload").path("capabilities")).remove(FRONT_KEY);
        }
        return PythonJson.write(root);
    }

    /** A current-wire ready payload: either shape (tui-wire-current.md §13.1). */
    private static boolean currentWire(JsonNode payload) {
        return payload.has("protocol") || payload.has("shared_session");
    }

    private static void put(ObjectNode o, String k, Object v) {
        if (v instanceof Boolean b) {
            o.put(k, b);
        } else if (v instanceof Integer i) {
            o.put(k, i);
        } else if (v instanceof Long l) {
            o.put(k, l);
        } else {
            o.put(k, String.valueOf(v));
        }
    }
}
