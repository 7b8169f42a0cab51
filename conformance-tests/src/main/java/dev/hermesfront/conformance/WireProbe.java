package dev.hermesfront.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.PythonJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds out which generation of the TUI wire a target speaks, on a connection of its own: what its
 * {@code gateway.ready} carries and how it answers {@code gateway.ping}.
 *
 * <ul>
 *   <li>{@code current-v<N>}: the ready payload has {@code protocol.version} N (tui-wire-current.md §2, the 9eb0
 *       shape);</li>
 *   <li>{@code shared-session-v<N>}: no {@code protocol}, but {@code shared_session.version} N (tui-wire-current.md
 *       §13.1, the aa1b8f85 shape; a payload with both is {@code current-v<N>+shared-session-v<M>});</li>
 *   <li>{@code current-unversioned}: no {@code protocol}, but {@code replay_epoch}, {@code capabilities} or
 *       {@code change_events} (an upstream build between the fork and the versioned greeting);</li>
 *   <li>{@code fork-2026-07}: none of these (the July 2026 snapshot, tui-wire.md);</li>
 *   <li>{@code unknown}: no {@code gateway.ready} came.</li>
 * </ul>
 *
 * <p>The answer to {@code gateway.ping} does not change the generation; it says who keeps the connection alive:
 * {@code {"ok": true}} from the current {@code /api/ws} or from a front that answers it itself, {@code -32601}
 * from a stdio agent (current text) or any fork server. Stateless.
 */
final class WireProbe {
    /** The id of the probe's ping, chosen so that it cannot be taken for a client's. */
    static final String PING_ID = "hermes-front-conformance-probe";

    /**
     * What the probe found.
     *
     * @param generation {@code current-v1}, {@code shared-session-v1}, {@code current-unversioned},
     *                   {@code fork-2026-07} or {@code unknown}
     * @param evidence   what it was decided from, for people
     */
    record Result(String generation, String evidence) {
        String render() {
            return generation + " (" + evidence + ")";
        }
    }

    private final HttpClient http;
    private final ObjectMapper mapper = new ObjectMapper();

    WireProbe(HttpClient http) {
        this.http = http;
    }

    /** Connects, reads the ready frame, pings, and closes; every step within {@code timeout}. Never throws. */
    Result probe(URI target, Duration timeout) {
        WsClient ws;
        try {
            ws = WsClient.connect(http, target, timeout);
        } catch (WsClient.ConnectException e) {
            return new Result("unknown", "cannot connect: " + e.getMessage());
        }
        try (ws) {
            long deadline = System.nanoTime() + timeout.toNanos();
            JsonNode first = next(ws, deadline);
            if (first == null || !"gateway.ready".equals(first.path("params").path("type").asText())) {
                return new Result("unknown", first == null ? "no frame within " + timeout.toMillis() + " ms"
                        : "the first frame is not gateway.ready");
            }
            JsonNode payload = first.path("params").path("payload");
            ws.sendText("{\"jsonrpc\": \"2.0\", \"id\": \"" + PING_ID + "\", \"method\": \"gateway.ping\", \"params\": {}}");
            String ping = "no answer to gateway.ping within " + timeout.toMillis() + " ms";
            for (JsonNode f = next(ws, deadline); f != null; f = next(ws, deadline)) {
                if (PING_ID.equals(f.path("id").asText(null)) && !f.has("method")) {
                    ping = f.has("result") ? "gateway.ping answered " + PythonJson.write(f.get("result"))
                            : "gateway.ping refused with " + f.path("error").path("code").asText("an error");
                    break;
                }
            }
            ws.sendClose(1000);
            return new Result(generation(payload), readyEvidence(payload) + "; " + ping);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result("unknown", "interrupted");
        }
    }

    /** Names the wire generation of a {@code gateway.ready} payload. */
    static String generation(JsonNode payload) {
        JsonNode version = payload.path("protocol").path("version");
        JsonNode shared = payload.path("shared_session").path("version");
        if (version.isIntegralNumber()) {
            return "current-v" + version.asLong() + (shared.isIntegralNumber() ? "+shared-session-v" + shared.asLong() : "");
        }
        if (shared.isIntegralNumber()) {
            return "shared-session-v" + shared.asLong();
        }
        if (payload.has("replay_epoch") || agentCapabilities(payload) || payload.has("change_events")) {
            return "current-unversioned";
        }
        return "fork-2026-07";
    }

    /**
     * Returns true when the payload has a {@code capabilities} object of the agent's: one that holds more than
     * hermes-front's own {@code hermes_front} member (a front in front of a fork agent adds one that holds only that).
     */
    private static boolean agentCapabilities(JsonNode payload) {
        JsonNode caps = payload.path("capabilities");
        if (!caps.isObject()) {
            return payload.has("capabilities");
        }
        return caps.size() > (caps.has("hermes_front") ? 1 : 0);
    }

    private static String readyEvidence(JsonNode payload) {
        List<String> seen = new ArrayList<>();
        JsonNode version = payload.path("protocol").path("version");
        if (!version.isMissingNode()) {
            seen.add("protocol.version " + version);
        }
        JsonNode shared = payload.path("shared_session").path("version");
        if (!shared.isMissingNode()) {
            seen.add("shared_session.version " + shared);
        }
        for (String key : List.of("replay_epoch", "capabilities", "change_events")) {
            if (payload.has(key) && (!key.equals("capabilities") || agentCapabilities(payload))) {
                seen.add(key);
            }
        }
        if (payload.path("capabilities").has("hermes_front")) {
            seen.add("hermes-front's capabilities.hermes_front");
        }
        if (payload.has("heartbeat")) {
            seen.add("heartbeat " + payload.get("heartbeat"));
        }
        return seen.isEmpty() ? "gateway.ready without protocol, replay_epoch or capabilities"
                : "gateway.ready with " + String.join(", ", seen);
    }

    /** Returns the next JSON text frame before {@code deadline}, or null. */
    private JsonNode next(WsClient ws, long deadline) throws InterruptedException {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            WsClient.Event e = ws.poll(Duration.ofNanos(left));
            if (!(e instanceof WsClient.Text t)) {
                return null;
            }
            try {
                JsonNode n = mapper.readTree(t.text());
                if (n != null && n.isObject()) {
                    return n;
                }
            } catch (IOException ignored) {
                // not JSON: not a frame the probe looks for
            }
        }
    }
}
