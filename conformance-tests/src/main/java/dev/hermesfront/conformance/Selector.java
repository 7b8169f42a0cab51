package dev.hermesfront.conformance;

/**
 * Narrows a rule to some frames: {@code method} (for a response: the method of the request it answers),
 * {@code event} ({@code params.type} of an event) and {@code kind} ({@code response}, {@code error},
 * {@code event}). Absent conditions match everything. Immutable.
 */
record Selector(String method, String event, String kind) {
    static final Selector ALL = new Selector(null, null, null);

    boolean matches(FrameInfo f) {
        return (method == null || method.equals(f.method()))
                && (event == null || event.equals(f.eventType()))
                && (kind == null || kind.equals(f.kindLabel()));
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (method != null) {
            b.append("method ").append(method).append(' ');
        }
        if (event != null) {
            b.append("event ").append(event).append(' ');
        }
        if (kind != null) {
            b.append("kind ").append(kind).append(' ');
        }
        return b.toString().trim();
    }
}
