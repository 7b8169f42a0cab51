package dev.hermesfront.conformance;

import java.util.Locale;

/**
 * Names what sits behind the URL the runner talks to; per-transcript expectations (which transcripts apply, the
 * expected close code) are chosen by it in {@code transcripts/rules.json}.
 */
public enum TargetKind {
    /** hermes-front in front of the replay agent (in-process suite, or {@code serve --agent-cmd} of ReplayAgentMain). */
    REPLAY,
    /** hermes-front in front of a real agent process ({@code serve --agent-cmd ...}). */
    GATEWAY,
    /** The real upstream {@code /api/ws} (Hermes dashboard, {@code tui_gateway/ws.py}). */
    UPSTREAM;

    /** Returns the lower-case name used in rules and on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a lower- or upper-case name. */
    public static TargetKind parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
