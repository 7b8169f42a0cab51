package dev.hermesfront.protocol.transcript;

import java.util.Objects;

/**
 * One recorded frame.
 *
 * @param tMillis  milliseconds since the connection (or process) started
 * @param dir      direction
 * @param conn     connection label ({@code "1"}, {@code "A"}, …), {@code ""} when the file has one connection
 * @param text     the frame's text as sent on the wire (for parsed recordings: the agent's serialization)
 * @param json     false when the recording holds non-JSON text ({@code "raw"})
 * @param binary   true when the frame was sent as a binary WebSocket message
 * @param line     1-based line of the transcript file it was read from, 0 when unknown
 */
public record TranscriptEntry(long tMillis, Direction dir, String conn, String text, boolean json, boolean binary,
                              int line) {
    public TranscriptEntry {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(conn, "conn");
        Objects.requireNonNull(text, "text");
    }

    /** Creates an entry whose file line is unknown. */
    public TranscriptEntry(long tMillis, Direction dir, String conn, String text, boolean json, boolean binary) {
        this(tMillis, dir, conn, text, json, binary, 0);
    }
}
