package dev.hermesfront.protocol;

/**
 * Finds where one JSON value ends in a text that is known (or presumed) to be valid JSON, without a parser.
 * Used to locate the {@code id} value of a frame so that a multiplexer can splice another one in.
 */
public final class JsonScan {
    private JsonScan() {}

    /**
     * Returns the offset just past the JSON value that starts at {@code start}, or -1 when {@code start} is
     * negative or the text there is not a complete value.
     */
    public static int valueEnd(CharSequence text, int start) {
        if (start < 0 || start >= text.length()) {
            return -1;
        }
        char c = text.charAt(start);
        if (c == '"') {
            return stringEnd(text, start);
        }
        if (c == '{' || c == '[') {
            int depth = 0;
            for (int i = start; i < text.length(); i++) {
                char d = text.charAt(i);
                if (d == '"') {
                    i = stringEnd(text, i) - 1;
                    if (i < 0) {
                        return -1;
                    }
                } else if (d == '{' || d == '[') {
                    depth++;
                } else if (d == '}' || d == ']') {
                    if (--depth == 0) {
                        return i + 1;
                    }
                }
            }
            return -1;
        }
        int i = start;
        while (i < text.length()) {
            char d = text.charAt(i);
            if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\t' || d == '\n' || d == '\r') {
                break;
            }
            i++;
        }
        return i > start ? i : -1;
    }

    /** Returns the offset just past the string literal whose opening quote is at {@code start}, or -1. */
    static int stringEnd(CharSequence text, int start) {
        for (int i = start + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i + 1;
            }
        }
        return -1;
    }
}
