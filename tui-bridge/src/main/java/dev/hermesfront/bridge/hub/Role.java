package dev.hermesfront.bridge.hub;

import java.util.Locale;

/** What a client attached to a shared agent may be (docs/sharing.md). */
public enum Role {
    /** The credential that started the agent, on the connection that started it or came back to it. */
    OWNER,
    /** May prompt and answer the agent's questions: the owner's credential from another device, or a participant share. */
    PARTICIPANT,
    /** Watches: reads only, never receives the agent's questions, never keeps the agent alive. */
    VIEWER;

    /** Returns true for the roles that drive the agent (owner and participant). */
    public boolean participates() {
        return this != VIEWER;
    }

    /** Returns the lower-case name used on the wire and in the REST listing. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
