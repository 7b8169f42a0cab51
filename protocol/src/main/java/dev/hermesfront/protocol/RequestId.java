package dev.hermesfront.protocol;

import java.util.Objects;

/**
 * Identifies a JSON-RPC request exactly as it appeared on the wire.
 *
 * <p>{@code 1}, {@code "1"} and {@code null} are different ids (the TUI matches responses with
 * strict string keys, spec tui-wire.md §8.3); an absent id is represented by having no
 * {@code RequestId} at all. Every variant keeps the JSON text it was read from, so an id is echoed
 * back without re-serialization.
 */
public sealed interface RequestId {

    /** Returns the id as JSON text, ready to be placed in a frame. */
    String json();

    /** A numeric id, kept as its literal text ({@code 5}, {@code 5.0} and {@code 5e0} stay distinct). */
    record NumberId(String literal) implements RequestId {
        public NumberId { Objects.requireNonNull(literal, "literal"); }
        @Override public String json() { return literal; }
    }

    /** A string id; {@code json} is the quoted, escaped form. */
    record StringId(String value, String json) implements RequestId {
        public StringId {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(json, "json");
        }
        /** Creates a string id from its decoded value. */
        public static StringId of(String value) { return new StringId(value, JsonText.quote(value)); }
    }

    /** The JSON {@code null} id. */
    record NullId() implements RequestId {
        public static final NullId INSTANCE = new NullId();
        @Override public String json() { return "null"; }
    }

    /** Any other JSON value used as an id (boolean, object, array): kept as raw text. */
    record OtherId(String json) implements RequestId {
        public OtherId { Objects.requireNonNull(json, "json"); }
    }
}
