package dev.hermesfront.gateway.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Removes secrets from recorded frames, with the rules of the recording kit's {@code sanitize.py} so that
 * transcripts from both sources look alike: non-empty string values of keys named like a credential
 * ({@code api_key}, {@code *token}, {@code secret}, {@code password}, {@code authorization},
 * {@code credential*}) and credentials in URLs ({@code ?token=}, {@code ?ticket=}, {@code ?internal=})
 * become {@code <redacted>}; so does {@code params.value} of {@code secret.respond}, the one secret
 * the TUI sends under a plain name (tui-wire.md §3.5). Answers to the current wire's secret
 * server-to-client requests are found by {@link ServerRequests}, which needs the connection's history.
 * Stateless and thread-safe.
 */
final class Redaction {
    static final String REDACTED = "<redacted>";
    private static final Pattern SECRET_KEY = Pattern.compile(
            "^(api_?key|.*_api_key|.*token|secret|.*_secret|password|authorization|credential.*)$", Pattern.CASE_INSENSITIVE);
    private static final Set<String> NOT_SECRET = Set.of("session_key", "key", "token_estimate", "max_tokens", "tokens");
    private static final Pattern URL_SECRET = Pattern.compile("([?&](?:token|ticket|internal)=)[^&\\s\"']+");

    private Redaction() {}

    /** Redacts {@code frame} in place and returns it. */
    static JsonNode frame(JsonNode frame) {
        if (frame instanceof ObjectNode o && "secret.respond".equals(o.path("method").asText())
                && o.path("params") instanceof ObjectNode params && params.path("value").isTextual()
                && !params.path("value").asText().isEmpty()) {
            params.put("value", REDACTED);
        }
        return node(frame);
    }

    /** Returns {@code n} with every non-empty string in it replaced by {@code <redacted>} (in place where it is a container). */
    static JsonNode everyString(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> e.setValue(everyString(e.getValue())));
            return o;
        }
        if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, everyString(a.get(i)));
            }
            return a;
        }
        return n.isTextual() && !n.asText().isEmpty() ? TextNode.valueOf(REDACTED) : n;
    }

    /** Redacts credentials inside a free text (URLs with a token). */
    static String text(String s) {
        return URL_SECRET.matcher(s).replaceAll("$1" + REDACTED);
    }

    private static JsonNode node(JsonNode n) {
        if (n instanceof ObjectNode o) {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isTextual() && !v.asText().isEmpty() && isSecretKey(e.getKey())) {
                    e.setValue(TextNode.valueOf(REDACTED));
                } else {
                    e.setValue(node(v));
                }
            }
            return o;
        }
        if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, node(a.get(i)));
            }
            return a;
        }
        if (n.isTextual()) {
            String s = n.asText();
            String r = text(s);
            return r.equals(s) ? n : TextNode.valueOf(r);
        }
        return n;
    }

    static boolean isSecretKey(String key) {
        return !NOT_SECRET.contains(key.toLowerCase(java.util.Locale.ROOT)) && SECRET_KEY.matcher(key).matches();
    }
}
