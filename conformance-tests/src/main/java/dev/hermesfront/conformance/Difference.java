package dev.hermesfront.conformance;

import java.util.Objects;

/**
 * Describes one way a run differed from its transcript, worded so a person can act on it: which recorded frame
 * (transcript line), where in it (JSON path), expected versus actual, and why it counts.
 *
 * @param type     what went wrong
 * @param conn     connection label, {@code ""} when the transcript has one connection
 * @param line     transcript line of the recorded frame concerned, 0 when there is none (an unexpected frame)
 * @param frame    short description of the frame ({@code event message.delta session "e97…"})
 * @param path     JSON path inside the frame, or {@code ""}
 * @param expected recorded value, or {@code ""}
 * @param actual   received value, or {@code ""}
 * @param detail   explanation
 */
public record Difference(Type type, String conn, int line, String frame, String path, String expected, String actual,
                         String detail) {

    /** What went wrong. */
    public enum Type {
        /** A received frame differs from the recorded one at a path. */
        CONTENT,
        /** A recorded frame never arrived. */
        MISSING,
        /** A frame arrived that matches nothing recorded. */
        UNEXPECTED,
        /** A frame arrived in an order the protocol does not allow (tui-wire.md §5.1). */
        ORDER,
        /** A frame arrived only after the client had stopped waiting for it and sent its next frame. */
        LATE,
        /** The connection ended differently (close code, or closed too early). */
        CLOSE,
        /** A frame is not valid JSON-RPC 2.0 (JSON-RPC 2.0 Base's parser says why). */
        JSONRPC,
        /**
         * Not a difference: something the rules tolerate, named so that nothing passes silently (a tolerated frame
         * that came unrecorded or did not come, a member that depends on the host).
         */
        TOLERATED
    }

    public Difference {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(conn, "conn");
        Objects.requireNonNull(frame, "frame");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(actual, "actual");
        Objects.requireNonNull(detail, "detail");
    }

    /** Renders the difference on one or a few lines. */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append(type).append(' ');
        if (!conn.isEmpty()) {
            b.append("[conn ").append(conn).append("] ");
        }
        if (line > 0) {
            b.append("line ").append(line).append(' ');
        }
        if (!frame.isEmpty()) {
            b.append('(').append(frame).append(") ");
        }
        if (!path.isEmpty()) {
            b.append("at ").append(path).append(": ");
        }
        b.append(detail);
        if (!expected.isEmpty() || !actual.isEmpty()) {
            b.append("\n      expected: ").append(expected.isEmpty() ? FrameComparer.ABSENT : expected);
            b.append("\n      actual:   ").append(actual.isEmpty() ? FrameComparer.ABSENT : actual);
        }
        return b.toString();
    }
}
