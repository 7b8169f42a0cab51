package dev.hermesfront.protocol;

/**
 * The head of a frame the agent wrote, read without a parser: what a router needs from most frames, at the
 * cost of comparing a few dozen characters. It recognizes the agent's own serialization ({@code json.dumps}:
 * {@code ", "} and {@code ": "}, members in the order the agent writes them, tui-wire.md §1.3), and the same
 * members written compactly (no spaces at all), as most other JSON writers do:
 *
 * <pre>
 * {"jsonrpc": "2.0", "method": "event", "params": {"type": "T", "session_id": "S", ...   → {@link Shape#EVENT}
 * {"jsonrpc": "2.0", "method": "event", "params": {"type": "T"}}                          → {@link Shape#EVENT}, no session
 * {"jsonrpc": "2.0", "id": ID, "NEXT": ...                                                → {@link Shape#ID_FIRST}
 * </pre>
 *
 * Anything else (other spacing or order, escapes inside the type or session id, a payload before the
 * session id, transport-level errors with the id last, non-JSON lines) is {@link Shape#OTHER}: the caller
 * decodes it with {@link FrameCodec}. A head that is recognized is exact, so the two paths agree.
 *
 * @param shape     what was recognized
 * @param eventType {@code params.type} of an event, else null
 * @param sessionId {@code params.session_id} of an event, or null when the event has none
 * @param idStart   offset of the id value of an {@link Shape#ID_FIRST} frame, else -1
 * @param idEnd     offset just past it, else -1
 * @param next      the name of the member after the id ({@code result}, {@code error}, {@code method}), else null
 */
public record FrameHead(Shape shape, String eventType, String sessionId, int idStart, int idEnd, String next) {
    /** What {@link #peek} recognized. */
    public enum Shape { EVENT, ID_FIRST, OTHER }

    /** One exact serialization: its separators, spelled out in the fragments the head is compared with. */
    private record Style(String prefix, String event, String session, String id, String nameStart, String colon) {
        static Style of(String comma, String colon) {
            return new Style("{\"jsonrpc\"" + colon + "\"2.0\"" + comma, "\"method\"" + colon + "\"event\"" + comma + "\"params\"" + colon
                    + "{\"type\"" + colon + "\"", comma + "\"session_id\"" + colon + "\"", "\"id\"" + colon, comma + "\"", colon);
        }
    }

    /** Python's {@code json.dumps} (the agent, the dashboard), then compact JSON (no spaces: JavaScript, Go, most others). */
    private static final Style[] STYLES = {Style.of(", ", ": "), Style.of(",", ":")};
    private static final FrameHead OTHER = new FrameHead(Shape.OTHER, null, null, -1, -1, null);

    /**
     * Reads the head of {@code text}; never throws. {@code text} may be a frame's bytes seen one character per byte
     * ({@code WireFrame.asciiView()}): only ASCII is compared, a type, session id or id with other characters is
     * {@link Shape#OTHER}, and offsets are then byte offsets.
     */
    public static FrameHead peek(CharSequence text) {
        for (Style st : STYLES) {
            if (startsWith(text, st.prefix(), 0)) {
                return peek(text, st);
            }
        }
        return OTHER;
    }

    private static FrameHead peek(CharSequence text, Style st) {
        int i = st.prefix().length();
        if (startsWith(text, st.event(), i)) {
            int typeStart = i + st.event().length();
            int typeEnd = plainStringEnd(text, typeStart);
            if (typeEnd < 0) {
                return OTHER;
            }
            String type = text.subSequence(typeStart, typeEnd).toString();
            int after = typeEnd + 1;
            if (startsWith(text, st.session(), after)) {
                int sidStart = after + st.session().length();
                int sidEnd = plainStringEnd(text, sidStart);
                return sidEnd < 0 ? OTHER : new FrameHead(Shape.EVENT, type, text.subSequence(sidStart, sidEnd).toString(), -1, -1, null);
            }
            if (startsWith(text, "}", after)) {
                return new FrameHead(Shape.EVENT, type, null, -1, -1, null);
            }
            return OTHER;
        }
        if (startsWith(text, st.id(), i)) {
            int idStart = i + st.id().length();
            int idEnd = JsonScan.valueEnd(text, idStart);
            if (idEnd < 0 || !startsWith(text, st.nameStart(), idEnd) || !ascii(text, idStart, idEnd)) {
                return OTHER;
            }
            int nameStart = idEnd + st.nameStart().length();
            int nameEnd = plainStringEnd(text, nameStart);
            if (nameEnd < 0 || !startsWith(text, st.colon(), nameEnd + 1)) {
                return OTHER;
            }
            return new FrameHead(Shape.ID_FIRST, null, null, idStart, idEnd, text.subSequence(nameStart, nameEnd).toString());
        }
        return OTHER;
    }

    /** Returns the id's JSON text, as the agent wrote it ({@code text} is what {@link #peek} read). */
    public String idText(CharSequence text) {
        return text.subSequence(idStart, idEnd).toString();
    }

    private static boolean startsWith(CharSequence text, String prefix, int at) {
        int n = prefix.length();
        if (at < 0 || at + n > text.length()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (text.charAt(at + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean ascii(CharSequence text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Returns the offset of the closing quote of an ASCII string without escapes that starts at {@code from}, or -1. */
    private static int plainStringEnd(CharSequence text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                return i;
            }
            if (c == '\\' || c < 0x20 || c >= 0x80) {
                return -1;
            }
        }
        return -1;
    }
}
