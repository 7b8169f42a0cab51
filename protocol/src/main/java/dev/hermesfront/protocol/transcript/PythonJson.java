package dev.hermesfront.protocol.transcript;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.protocol.JsonText;
import java.util.Iterator;
import java.util.Map;

/**
 * Serializes a JSON tree the way the Hermes agent does ({@code json.dumps(obj, ensure_ascii=False)}):
 * {@code ", "} and {@code ": "} separators, members in order, raw UTF-8. Used to turn recordings that stored
 * parsed frames back into wire text.
 */
public final class PythonJson {
    private PythonJson() {}

    /** Returns {@code node} as agent-style JSON text. */
    public static String write(JsonNode node) {
        StringBuilder b = new StringBuilder(256);
        write(b, node);
        return b.toString();
    }

    private static void write(StringBuilder b, JsonNode n) {
        switch (n.getNodeType()) {
            case OBJECT -> {
                b.append('{');
                Iterator<Map.Entry<String, JsonNode>> it = n.fields();
                boolean first = true;
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!first) {
                        b.append(", ");
                    }
                    first = false;
                    JsonText.quoteInto(b, e.getKey());
                    b.append(": ");
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case ARRAY -> {
                b.append('[');
                for (int i = 0; i < n.size(); i++) {
                    if (i > 0) {
                        b.append(", ");
                    }
                    write(b, n.get(i));
                }
                b.append(']');
            }
            case STRING -> JsonText.quoteInto(b, n.asText());
            case NUMBER -> b.append(n.isBigDecimal() ? n.decimalValue().toString() : n.asText());
            case BOOLEAN -> b.append(n.asBoolean() ? "true" : "false");
            default -> b.append("null");
        }
    }
}
