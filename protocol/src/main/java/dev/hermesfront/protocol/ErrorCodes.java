package dev.hermesfront.protocol;

/**
 * JSON-RPC error codes used on the TUI wire: the standard ones the Hermes agent sends
 * (tui-wire.md §3.3) and hermes-front's own, which live in -32000..-32099 and are documented in
 * docs/protocol.md.
 */
public final class ErrorCodes {
    /** Not valid JSON; answered with {@code "id": null}. */
    public static final int PARSE_ERROR = -32700;
    /** Not an object, or no usable {@code method}. */
    public static final int INVALID_REQUEST = -32600;
    /** Method not registered with the agent. */
    public static final int METHOD_NOT_FOUND = -32601;
    /** {@code params} neither an object nor null. */
    public static final int INVALID_PARAMS = -32602;
    /** The agent raised inside an inline handler (WebSocket transport only). */
    public static final int INTERNAL_ERROR = -32603;

    /** hermes-front: the caller's credential lacks the scope the method needs; the frame never reached the agent. */
    public static final int FORBIDDEN = -32003;
    /** hermes-front: the caller's credential sent messages faster than its rate limit; the frame never reached the agent. */
    public static final int RATE_LIMITED = -32004;
    /** hermes-front: the agent link is not accepting frames (stopped or overloaded); the request was not delivered. */
    public static final int AGENT_UNAVAILABLE = -32050;
    /**
     * hermes-front: the agent's answer to this request was one stdout line over the gateway's line limit; it
     * was dropped and this error sent in its place.
     */
    public static final int RESPONSE_TOO_LARGE = -32051;

    private ErrorCodes() {}
}
