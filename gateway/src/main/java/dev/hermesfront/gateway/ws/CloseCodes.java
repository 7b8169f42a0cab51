package dev.hermesfront.gateway.ws;

/**
 * Close codes hermes-front uses on /api/ws (documented in docs/protocol.md). Standard codes where one
 * fits; {@code 4401} for a refused credential, mirroring the code upstream's dashboard uses.
 */
public final class CloseCodes {
    /** Gateway shutting down. */
    static final int GOING_AWAY = 1001;
    /** Binary message: the wire is text only. */
    static final int UNSUPPORTED_DATA = 1003;
    /** Message over the configured size. */
    static final int TOO_BIG = 1009;
    /** The agent exited, crashed or could not start. */
    static final int AGENT_FAILURE = 1011;
    /** A bound was hit: the client stopped reading, or the agent stopped taking input. */
    static final int OVERLOADED = 1013;
    /** Missing or wrong token. */
    public static final int UNAUTHORIZED = 4401;
    /** The credential no longer allows this connection (narrowed by a reload), a share link was revoked, or
     * {@code ?agent=ID} names an agent of another credential. */
    public static final int FORBIDDEN = 4403;
    /** {@code /peers/NAME/api/ws} names no peer this coordinator can relay to. */
    static final int UNKNOWN_PEER = 4404;
    /** {@code ?agent=ID} or a share link names an agent that is not (or no longer) running. */
    static final int UNKNOWN_AGENT = 4404;

    private CloseCodes() {}
}
