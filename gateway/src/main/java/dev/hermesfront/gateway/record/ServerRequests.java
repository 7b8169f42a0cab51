package dev.hermesfront.gateway.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the agent's server-to-client requests of one connection by id, so that the client's answers
 * to the ones that carry secrets are redacted before they are recorded (tui-wire-current.md §5.1, §5.5).
 *
 * <p>A request is an agent frame with a string {@code id} and a string {@code method} other than
 * {@code event}; requests re-offered in a result's {@code open_requests} count too. The client answers
 * with a bare response (same id, {@code result} or {@code error}, no method), or through the
 * {@code request.answer {id, result}} call. An answer's {@code result} has every non-empty string in it
 * replaced by {@code <redacted>} when the request was {@code sudo}, {@code secret}, {@code vault.*} or
 * {@code display.install.sudo}, and also when the request is not known (its line was dropped, or more
 * than {@value #MAX_OPEN} are open): an answer is only recorded in clear when it is known not to be secret.
 * Error answers carry no secret and are kept. Not thread-safe: the recorder's writer thread owns it.
 */
final class ServerRequests {
    /** Open requests remembered per connection; the oldest is forgotten first. */
    static final int MAX_OPEN = 1024;

    private final Map<String, String> open = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_OPEN;
        }
    };

    /** Returns true for the server-to-client requests whose answers are secrets. */
    static boolean isSecret(String method) {
        return method.equals("sudo") || method.equals("secret") || method.startsWith("vault.")
                || method.equals("display.install.sudo");
    }

    /** Notes the requests in one agent frame. */
    void agentFrame(JsonNode frame) {
        note(frame);
        JsonNode reopened = frame.path("result").path("open_requests");
        if (reopened.isArray()) {
            reopened.forEach(this::note);
        }
    }

    private void note(JsonNode request) {
        JsonNode id = request.path("id");
        JsonNode method = request.path("method");
        if (id.isTextual() && method.isTextual() && !"event".equals(method.asText())) {
            open.put(id.asText(), method.asText());
        }
    }

    /** Redacts, in place, a client frame that answers a secret or unknown request. */
    void clientFrame(JsonNode frame) {
        if (!(frame instanceof ObjectNode o)) {
            return;
        }
        if (!o.has("method")) {
            if (o.has("result")) {
                o.set("result", redactIfSecret(o.get("id"), o.get("result")));
            }
            return;
        }
        if ("request.answer".equals(o.path("method").asText()) && o.path("params") instanceof ObjectNode params
                && params.has("result")) {
            params.set("result", redactIfSecret(params.get("id"), params.get("result")));
        }
    }

    private JsonNode redactIfSecret(JsonNode id, JsonNode result) {
        String method = id != null && id.isTextual() ? open.remove(id.asText()) : null;
        return method == null || isSecret(method) ? Redaction.everyString(result) : result;
    }
}
