package dev.hermesfront.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.JsonText;
import dev.hermesfront.protocol.transcript.TranscriptEntry;

/**
 * One recorded server frame of a connection and what the matcher knows about it. Thread-confined to the
 * runner thread.
 */
final class ExpectedFrame {
    /** Index of the frame in its connection's entries (client and server frames together). */
    final int index;
    final TranscriptEntry entry;
    /** Parsed frame, or null when the recording is not JSON. */
    final JsonNode tree;
    final FrameInfo info;
    /** For responses and errors: the id as JSON text ({@code null} when null or absent); else null. */
    final String idJson;
    /** For events: {@code params.session_id}, {@code ""} when absent. */
    final String sessionId;
    /** For responses and errors: the connection entry index of the request it answers, or -1. */
    final int requestIndex;
    /** For responses and errors: true when the agent answers that request inline, in order (not from its pool). */
    final boolean inline;
    final String stream;
    /** True when the rules let this frame be absent. */
    final boolean optional;

    /** For an optional or tolerated frame: the rule that makes it so, for the report. */
    String looseBy;
    boolean matched;
    /** Set when a later frame of its stream matched first; it may still arrive (then out of order). */
    boolean overtaken;
    /** When the client gave up waiting for it: the line of the client frame sent without it, else 0. */
    int gaveUpAtLine;
    long gaveUpAfterMillis;

    ExpectedFrame(int index, TranscriptEntry entry, JsonNode tree, FrameInfo info, String idJson, String sessionId,
                  int requestIndex, boolean inline, String stream, boolean optional) {
        this.index = index;
        this.entry = entry;
        this.tree = tree;
        this.info = info;
        this.idJson = idJson;
        this.sessionId = sessionId;
        this.requestIndex = requestIndex;
        this.inline = inline;
        this.stream = stream;
        this.optional = optional;
    }

    int line() {
        return entry.line();
    }

    boolean isResponse() {
        return info.kind() == FrameKind.RESPONSE || info.kind() == FrameKind.ERROR;
    }

    boolean isEvent() {
        return info.kind() == FrameKind.EVENT;
    }

    /** Describes the frame briefly: {@code response "r2" to prompt.submit}, {@code event message.delta session "e9…"}. */
    String describe() {
        return describe(info, idJson, sessionId);
    }

    static String describe(FrameInfo info, String idJson, String sessionId) {
        if (info.kind() == null) {
            return "non-JSON-RPC text";
        }
        return switch (info.kind()) {
            case RESPONSE -> "response " + idJson + (info.method() != null ? " to " + info.method() : "");
            case ERROR -> "error response " + idJson + (info.method() != null ? " to " + info.method() : "");
            case EVENT -> "event " + info.eventType() + (sessionId == null || sessionId.isEmpty() ? ""
                    : " session " + JsonText.quote(sessionId));
            case REQUEST -> "server request " + idJson + " " + info.method();
            case NOTIFICATION -> "server notification " + info.method();
        };
    }
}
