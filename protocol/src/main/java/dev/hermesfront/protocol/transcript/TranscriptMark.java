package dev.hermesfront.protocol.transcript;

import java.util.Objects;

/**
 * Marks a non-frame line of a transcript, kept with its position among the frames: a connection opened or closed,
 * the agent's stdout ended, a note.
 *
 * @param position number of frames recorded before this line
 * @param kind     {@code open}, {@code close}, {@code eof}, {@code note}, {@code meta}, or the {@code event} of a
 *                 proxy recording's {@code "dir": "meta"} line
 * @param conn     connection label, {@code ""} when the line names none
 * @param by       who closed ({@code client} or {@code server}), {@code ""} when not said
 * @param code     WebSocket close code, or -1 when not said
 * @param text     free text ({@code text}, {@code note}, {@code reason} or {@code description}), or {@code ""}
 * @param line     1-based line in the file
 */
public record TranscriptMark(int position, String kind, String conn, String by, int code, String text, int line) {
    public TranscriptMark {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(conn, "conn");
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(text, "text");
    }
}
