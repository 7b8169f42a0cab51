package dev.hermesfront.protocol;

/**
 * Writes JSON string literals the way the Hermes agent's Python serializer does
 * ({@code json.dumps(ensure_ascii=False)}): raw UTF-8, short escapes for the usual controls,
 * {@code \\u00XX} for the rest.
 *
 * <p>One deliberate difference: a lone UTF-16 surrogate (which a client can send as the ASCII escape
 * {@code "\\ud800"}) is written as that escape again, where Python writes the raw code unit and then
 * fails to encode the line as UTF-8. The result is always valid JSON that encodes as UTF-8 without
 * error, and loses nothing.
 */
public final class JsonText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonText() {}

    /** Returns true when {@code s} holds a UTF-16 surrogate without its partner (not encodable as UTF-8). */
    public static boolean hasLoneSurrogate(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** Returns {@code s} as a quoted JSON string literal. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        quoteInto(b, s);
        return b.toString();
    }

    /** Appends {@code s} as a quoted JSON string literal to {@code b}. */
    public static void quoteInto(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else if (!Character.isSurrogate(c)) {
                        b.append(c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else {
                        b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    }
                }
            }
        }
        b.append('"');
    }
}
