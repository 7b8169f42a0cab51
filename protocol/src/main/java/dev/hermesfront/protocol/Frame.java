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
 */
public record Frame(String text, FrameKind kind, RequestId id, String method, String eventType, String sessionId) {
    public Frame {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(kind, "kind");
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
