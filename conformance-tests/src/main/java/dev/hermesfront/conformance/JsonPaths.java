package dev.hermesfront.conformance;

import java.util.List;

/** Formats JSON paths for people: {@code result.sessions[0].id}; the frame root is {@code $}. */
final class JsonPaths {
    private JsonPaths() {}

    static String format(List<String> segments) {
        if (segments.isEmpty()) {
            return "$";
        }
        StringBuilder b = new StringBuilder();
        for (String s : segments) {
            if (isIndex(s)) {
                b.append('[').append(s).append(']');
            } else {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(s);
            }
        }
        return b.toString();
    }

    private static boolean isIndex(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
