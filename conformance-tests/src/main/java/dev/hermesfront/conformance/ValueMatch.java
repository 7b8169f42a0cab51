package dev.hermesfront.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a value that legitimately varies between runs is checked instead of compared: {@code any} (anything,
 * even absent), {@code present}, {@code same-type}, a JSON type ({@code string}, {@code number},
 * {@code integer}, {@code boolean}, {@code object}, {@code array}), {@code regex} with a pattern that
 * must match the whole string, or {@code contains}: an array holding, in any order, a matching element for each
 * recorded one (other elements may be there too; the elements are compared with all rules). Immutable.
 */
sealed interface ValueMatch {

    /** Returns why {@code actual} (null when absent) does not pass, or empty when it does. */
    Optional<String> check(JsonNode expected, JsonNode actual);

    /** Returns true when an absent value passes. */
    default boolean allowsAbsent() {
        return false;
    }

    /** Parses a rule's {@code match} (and {@code pattern} for {@code regex}). */
    static ValueMatch parse(String match, String pattern) {
        String m = match.toLowerCase(Locale.ROOT);
        return switch (m) {
            case "any" -> new Any();
            case "present" -> new Present();
            case "same-type" -> new SameType();
            case "string", "number", "integer", "boolean", "object", "array" -> new OfType(m);
            case "contains" -> new Contains();
            case "regex" -> {
                if (pattern == null) {
                    throw new IllegalArgumentException("match \"regex\" needs a \"pattern\"");
                }
                yield new Regex(Pattern.compile(pattern));
            }
            default -> throw new IllegalArgumentException("unknown match \"" + match
                    + "\" (expected any, present, same-type, string, number, integer, boolean, object, array, contains or regex)");
        };
    }

    /** Anything, even absent. */
    record Any() implements ValueMatch {
        @Override public Optional<String> check(JsonNode expected, JsonNode actual) { return Optional.empty(); }
        @Override public boolean allowsAbsent() { return true; }
        @Override public String toString() { return "any"; }
    }

    /** Any value, but present. */
    record Present() implements ValueMatch {
        @Override
        public Optional<String> check(JsonNode expected, JsonNode actual) {
            return actual == null ? Optional.of("missing") : Optional.empty();
        }
        @Override public String toString() { return "present"; }
    }

    /** A value of the expected value's JSON type. */
    record SameType() implements ValueMatch {
        @Override
        public Optional<String> check(JsonNode expected, JsonNode actual) {
            if (actual == null) {
                return Optional.of("missing");
            }
            return typeOf(expected).equals(typeOf(actual)) ? Optional.empty()
                    : Optional.of("expected " + aTypeOf(expected) + ", got " + aTypeOf(actual));
        }
        @Override public String toString() { return "same-type"; }
    }

    /** A value of one JSON type. */
    record OfType(String type) implements ValueMatch {
        @Override
        public Optional<String> check(JsonNode expected, JsonNode actual) {
            if (actual == null) {
                return Optional.of("missing");
            }
            boolean ok = switch (type) {
                case "string" -> actual.isTextual();
                case "number" -> actual.isNumber();
                case "integer" -> actual.isIntegralNumber();
                case "boolean" -> actual.isBoolean();
                case "object" -> actual.isObject();
                case "array" -> actual.isArray();
                default -> false;
            };
            return ok ? Optional.empty() : Optional.of("expected any " + type + ", got " + aTypeOf(actual));
        }
        @Override public String toString() { return "any " + type; }
    }

    /** An array with a matching element for each recorded one; the comparer does the element matching. */
    record Contains() implements ValueMatch {
        @Override
        public Optional<String> check(JsonNode expected, JsonNode actual) {
            if (actual == null) {
                return Optional.of("missing");
            }
            return actual.isArray() ? Optional.empty() : Optional.of("expected an array, got " + aTypeOf(actual));
        }
        @Override public String toString() { return "contains"; }
    }

    /** A string matching a pattern (whole string). */
    record Regex(Pattern pattern) implements ValueMatch {
        @Override
        public Optional<String> check(JsonNode expected, JsonNode actual) {
            if (actual == null) {
                return Optional.of("missing");
            }
            if (!actual.isTextual() || !pattern.matcher(actual.asText()).matches()) {
                return Optional.of("expected a string matching /" + pattern.pattern() + "/");
            }
            return Optional.empty();
        }
        @Override public String toString() { return "/" + pattern.pattern() + "/"; }
    }

    /** Names a value's JSON type with its article: {@code an integer}, {@code a string}. */
    static String aTypeOf(JsonNode n) {
        String t = typeOf(n);
        return (t.startsWith("i") || t.startsWith("o") || t.startsWith("a") ? "an " : "a ") + t;
    }

    /** Names a value's JSON type for messages. */
    static String typeOf(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        return switch (n.getNodeType()) {
            case STRING -> "string";
            case NUMBER -> n.isIntegralNumber() ? "integer" : "float";
            case BOOLEAN -> "boolean";
            case NULL -> "null";
            case ARRAY -> "array";
            case OBJECT -> "object";
            default -> n.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
