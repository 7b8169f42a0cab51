package dev.hermesfront.gateway.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What a reload did.
 *
 * @param applied       true when the new configuration is running; false when it was refused (then nothing changed)
 * @param changed       keys changed in place
 * @param restartNeeded keys that changed but take effect only after a restart (their running values are kept)
 * @param closed        clients closed because their credential was removed (4401) or narrowed (4403), as {@code name:code}
 * @param error         why the configuration was refused, or null
 */
public record ReloadReport(boolean applied, List<String> changed, List<String> restartNeeded, List<String> closed, String error) {
    public ReloadReport {
        changed = List.copyOf(changed);
        restartNeeded = List.copyOf(restartNeeded);
        closed = List.copyOf(closed);
    }

    /** A refused reload. */
    public static ReloadReport refused(String error) {
        return new ReloadReport(false, List.of(), List.of(), List.of(), error);
    }

    /** Returns one line for the log. */
    public String summary() {
        if (!applied) {
            return "configuration reload refused, the running configuration is unchanged: " + error;
        }
        return "configuration reloaded: " + (changed.isEmpty() ? "nothing changed in place" : "changed " + String.join(", ", changed))
                + (restartNeeded.isEmpty() ? "" : "; needs a restart to apply: " + String.join(", ", restartNeeded))
                + (closed.isEmpty() ? "" : "; closed " + closed.size() + " client(s) whose credential was removed or narrowed");
    }

    /** Returns the report as JSON: {@code {"applied", "changed", "restart_needed", "closed", "error"}}. */
    public String json(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("applied", applied);
        changed.forEach(o.putArray("changed")::add);
        restartNeeded.forEach(o.putArray("restart_needed")::add);
        closed.forEach(o.putArray("closed")::add);
        o.put("error", error);
        return o.toString();
    }
}
