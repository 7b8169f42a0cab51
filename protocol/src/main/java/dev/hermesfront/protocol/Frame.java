package dev.hermesfront.protocol;

import java.util.Objects;

/**
 * A classified JSON-RPC frame that still carries its original text.
 *
 * <p>Forwarding code sends {@link #text()} unchanged; the other fields exist for routing, policy
 * and matching. Absent members are {@code null}.
 *
 * @param text      the frame exactly as received
 * @param kind      what the frame is
 * @param id        the request id, or {@code null} when the frame has no {@code id} member
 * @param method    the {@code method} string, or {@code null}
 * @param eventType {@code params.type} when it is a string, or {@code null}
 * @param sessionId {@code params.session_id} when it is a string, or {@code null}
 * @param idStart   where the top-level {@code id} value starts in {@code text} (a char offset), or -1 without one
 * @param idEnd     where it ends (exclusive), or -1; a multiplexer splices a new id into {@code [idStart, idEnd)}
 *                  without re-serializing the rest
 */
public record Frame(String text, FrameKind kind, RequestId id, String method, String eventType, String sessionId,
                    int idStart, int idEnd) {
    public Frame {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(kind, "kind");
    }

    /** Creates a frame whose id position is not known. */
    public Frame(String text, FrameKind kind, RequestId id, String method, String eventType, String sessionId) {
        this(text, kind, id, method, eventType, sessionId, -1, -1);
    }

    /** Returns the text with the id value replaced by {@code idJson}; requires a known id position. */
    public String withId(String idJson) {
        if (idStart < 0) {
            throw new IllegalStateException("no id position");
        }
        return text.substring(0, idStart) + idJson + text.substring(idEnd);
    }

    /** Returns true for a request or notification, i.e. a frame that asks for work. */
    public boolean isCall() {
        return kind == FrameKind.REQUEST || kind == FrameKind.NOTIFICATION;
    }

    /** Returns the id to echo in an answer: the frame's id, or {@code null} id for a notification. */
    public RequestId replyId() {
        return id != null ? id : RequestId.NullId.INSTANCE;
    }
}
