package dev.hermesfront.bridge.hub;

/** What the hub may do to a client's connection beyond sending it frames. Thread-safe; never blocks. */
@FunctionalInterface
public interface Connection {
    /** Closes the connection with {@code code} after the frames already queued for it. */
    void close(int code, String reason);

    /** A connection that cannot be closed from here (tests). */
    Connection NONE = (code, reason) -> { };
}
