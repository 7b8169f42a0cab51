package dev.hermesfront.protocol.transcript;

/** Which way a recorded frame travelled. */
public enum Direction {
    /** Client to server. */
    C2S,
    /** Server to client. */
    S2C
}
