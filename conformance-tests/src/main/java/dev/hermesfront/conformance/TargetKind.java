package dev.hermesfront.conformance;

import java.util.Locale;

/**
 * Names what sits behind the URL the runner talks to; per-transcript expectations (which transcripts apply, the
 * expected close code) and the rules scoped to some kinds are chosen by it.
 */
public enum TargetKind {
    /** hermes-front in front of the replay agent (in-process suite, or {@code serve --agent-cmd} of ReplayAgentMain). */
    REPLAY,
    /**
     * hermes-front in front of the stand-in agent that speaks the current wire ({@code CurrentWireAgent}, in-process
     * suite, or {@code serve --agent-cmd} of CurrentWireAgentMain).
     */
    STANDIN,
    /** hermes-front in front of a real agent process ({@code serve --agent-cmd ...}). */
    GATEWAY,
    /** The real upstream {@code /api/ws} (Hermes dashboard, {@code tui_gateway/ws.py}). */
    UPSTREAM;

    /** Returns the lower-case name used in rules and on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Returns every kind's label, for messages: {@code replay, standin, gateway or upstream}. */
    public static String labels() {
        TargetKind[] all = values();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < all.length; i++) {
            b.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(all[i].label());
        }
        return b.toString();
    }

    /** Parses a lower- or upper-case name. */
    public static TargetKind parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
