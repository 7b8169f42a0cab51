package dev.hermesfront.gateway.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The YAML configuration file as a tree, with the line of every key, so that errors can say
 * {@code file:line: unknown key "park_windw" under tui (did you mean park_window?)}. Paths are dotted for
 * mappings and indexed for lists: {@code tui.park_window}, {@code credentials[1].scope}.
 */
final class YamlDoc {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final Path file;
    private final JsonNode root;
    private final Map<String, Integer> lines;

    private YamlDoc(Path file, JsonNode root, Map<String, Integer> lines) {
        this.file = file;
        this.root = root;
        this.lines = lines;
    }

    /** Reads {@code file}; a missing, unreadable or malformed file is a {@link ConfigException} naming it. */
    static YamlDoc read(Path file) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = new YAMLFactory().createParser(file.toFile())) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new YamlDoc(file, NODES.objectNode(), lines);
            }
            JsonNode root = value(p, "", lines);
            if (root.isNull()) {
                return new YamlDoc(file, NODES.objectNode(), lines);
            }
            if (!root.isObject()) {
                throw new ConfigException("config", file.toString(), "a YAML mapping of keys such as listen, api, dashboard");
            }
            return new YamlDoc(file, root, lines);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new ConfigException("config", file.toString(), "a readable YAML file (" + msg + ")");
        }
    }

    private static JsonNode value(JsonParser p, String path, Map<String, Integer> lines) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            ObjectNode o = NODES.objectNode();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                String child = path.isEmpty() ? name : path + "." + name;
                lines.putIfAbsent(child, p.currentLocation().getLineNr());
                p.nextToken();
                o.set(name, value(p, child, lines));
            }
            return o;
        }
        if (t == JsonToken.START_ARRAY) {
            ArrayNode a = NODES.arrayNode();
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String child = path + "[" + i++ + "]";
                lines.putIfAbsent(child, p.currentLocation().getLineNr());
                a.add(value(p, child, lines));
            }
            return a;
        }
        return switch (t) {
            case VALUE_NULL -> NODES.nullNode();
            case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(p.getBooleanValue());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_STRING -> NODES.textNode(p.getText());
            default -> NODES.textNode(p.getText());
        };
    }

    Path file() {
        return file;
    }

    JsonNode root() {
        return root;
    }

    /** Returns the node at a dotted path ({@code tui.park_window}), or null. */
    JsonNode at(String dotted) {
        JsonNode n = root;
        for (String part : dotted.split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        return n;
    }

    /** Returns {@code file:line} for a path, or just the file when its line is unknown. */
    String where(String path) {
        Integer line = lines.get(path);
        return line == null ? file.toString() : file + ":" + line;
    }
}
