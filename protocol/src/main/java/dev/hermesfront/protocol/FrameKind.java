package dev.hermesfront.protocol;

/** The kind of a well-formed JSON-RPC frame on the Hermes TUI wire (tui-wire.md §3). */
public enum FrameKind {
    /** Has {@code method} and {@code id}. */
    REQUEST,
    /** Has {@code method}, no {@code id}; the Hermes agent still answers it with {@code "id": null}. */
    NOTIFICATION,
    /** {@code method: "event"} without {@code id}: a server-to-client event. */
    EVENT,
    /** Has {@code result} and no {@code method}. */
    RESPONSE,
    /** Has {@code error} and no {@code method}. */
    ERROR
}
