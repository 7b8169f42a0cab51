package dev.hermesfront.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A pattern over JSON paths such as {@code result.session_id}, {@code result.sessions[*].last_active} or
 * {@code **.usage.*}: segments separated by dots, {@code [n]} or {@code [*]} for array elements, {@code *}
 * for any one segment, {@code **} for any number of segments (zero included). Immutable.
 */
final class PathPattern {
    private static final String ANY = "*";
    private static final String ANY_DEPTH = "**";

    private final String text;
    private final List<String> segments;

    private PathPattern(String text, List<String> segments) {
        this.text = text;
        this.segments = segments;
    }

    /** Parses a pattern; throws {@link IllegalArgumentException} naming the problem. */
    static PathPattern parse(String text) {
        Objects.requireNonNull(text, "path");
        if (text.isBlank()) {
            throw new IllegalArgumentException("empty path");
        }
        return new PathPattern(text, segmentsOf(text));
    }

    /** Splits a concrete path or pattern into its segments: {@code a.b[2].c} → {@code a, b, 2, c}. */
    static List<String> segmentsOf(String path) {
        List<String> out = new ArrayList<>();
        for (String dotted : path.split("\\.", -1)) {
            String rest = dotted;
            int bracket = rest.indexOf('[');
            String head = bracket < 0 ? rest : rest.substring(0, bracket);
            if (!head.isEmpty()) {
                out.add(head);
            } else if (bracket != 0) {
                throw new IllegalArgumentException("empty segment in path " + path);
            }
            while (bracket >= 0) {
                int close = rest.indexOf(']', bracket);
                if (close < 0) {
                    throw new IllegalArgumentException("unclosed [ in path " + path);
                }
                out.add(rest.substring(bracket + 1, close));
                rest = rest.substring(close + 1);
                bracket = rest.indexOf('[');
                if (bracket > 0) {
                    throw new IllegalArgumentException("unexpected text before [ in path " + path);
                }
            }
        }
        return List.copyOf(out);
    }

    /** Returns true when the concrete path {@code path} (segments) is matched by this pattern. */
    boolean matches(List<String> path) {
        return matches(0, path, 0);
    }

    private boolean matches(int p, List<String> path, int i) {
        if (p == segments.size()) {
            return i == path.size();
        }
        String s = segments.get(p);
        if (s.equals(ANY_DEPTH)) {
            for (int k = i; k <= path.size(); k++) {
                if (matches(p + 1, path, k)) {
                    return true;
                }
            }
            return false;
        }
        if (i == path.size()) {
            return false;
        }
        return (s.equals(ANY) || s.equals(path.get(i))) && matches(p + 1, path, i + 1);
    }

    @Override
    public String toString() {
        return text;
    }
}
