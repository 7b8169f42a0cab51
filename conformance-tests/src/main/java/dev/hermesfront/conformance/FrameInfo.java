package dev.hermesfront.conformance;

import dev.hermesfront.protocol.FrameKind;
import java.util.Locale;

/**
 * What rules select on, for one expected frame.
 *
 * @param kind      the frame's kind, or {@code null} when the frame is not valid JSON-RPC
 * @param method    for a response or error: the method of the request it answers; for an event {@code event};
 *                  else the frame's method; may be {@code null}
 * @param eventType {@code params.type} of an event, else {@code null}
 */
record FrameInfo(FrameKind kind, String method, String eventType) {

    /** Returns {@code response}, {@code error}, {@code event}, {@code request}, {@code notification} or {@code other}. */
    String kindLabel() {
        return kind == null ? "other" : kind.name().toLowerCase(Locale.ROOT);
    }
}
