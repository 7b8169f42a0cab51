package dev.hermesfront.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Serializes a JSON tree the way the Hermes agent does ({@code json.dumps(obj, ensure_ascii=False)}):
 * {@code ", "} and {@code ": "} separators, members in order, raw UTF-8, floats as Python's {@code repr} writes
 * them (read the tree with {@code USE_BIG_DECIMAL_FOR_FLOATS} and without stripping trailing zeros). Used to turn
 * recordings that stored parsed frames back into wire text.
 */
public final class PythonJson {
    private PythonJson() {}

    /** Returns {@code node} as agent-style JSON text. */
    public static String write(JsonNode node) {
        StringBuilder b = new StringBuilder(256);
        write(b, node);
        return b.toString();
    }

    /**
     * Formats a float the way Python's {@code repr} does, given the digits it was read from: plain notation
     * with at least one decimal ({@code 1.0}, {@code 0.0001}) when the decimal exponent is in [-4, 16),
     * else scientific with a signed two-digit exponent ({@code 1e-05}, {@code 1.5e+16}).
     */
    static String pythonFloat(BigDecimal d) {
        if (d.signum() == 0) {
            return "0.0";
        }
        BigDecimal s = d.stripTrailingZeros();
        int exponent = s.precision() - s.scale() - 1;
        if (exponent >= -4 && exponent < 16) {
            String plain = s.toPlainString();
            return plain.indexOf('.') < 0 ? plain + ".0" : plain;
        }
        String digits = s.unscaledValue().abs().toString();
        StringBuilder b = new StringBuilder();
        if (s.signum() < 0) {
            b.append('-');
        }
        b.append(digits.charAt(0));
        if (digits.length() > 1) {
            b.append('.').append(digits, 1, digits.length());
        }
        b.append('e').append(exponent < 0 ? '-' : '+');
        int abs = Math.abs(exponent);
        if (abs < 10) {
            b.append('0');
        }
        return b.append(abs).toString();
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
            case NUMBER -> b.append(n.isBigDecimal() ? pythonFloat(n.decimalValue()) : n.asText());
            case BOOLEAN -> b.append(n.asBoolean() ? "true" : "false");
            default -> b.append("null");
        }
    }
}
