package dev.hermesfront.protocol;

import com.thetransactioncompany.jsonrpc2.JSONRPC2Error;

/**
 * JSON-RPC error codes used on the TUI wire: the standard ones the Hermes agent sends
 * (tui-wire.md §3.3) and hermes-front's own, which live in -32000..-32099 and are documented in
 * docs/protocol.md.
 */
public final class ErrorCodes {
    /** Not valid JSON; answered with {@code "id": null}. */
    public static final int PARSE_ERROR = JSONRPC2Error.PARSE_ERROR.getCode();
    /** Not an object, or no usable {@code method}. */
    public static final int INVALID_REQUEST = JSONRPC2Error.INVALID_REQUEST.getCode();
    /** Method not registered with the agent. */
    public static final int METHOD_NOT_FOUND = JSONRPC2Error.METHOD_NOT_FOUND.getCode();
    /** {@code params} neither an object nor null. */
    public static final int INVALID_PARAMS = JSONRPC2Error.INVALID_PARAMS.getCode();
    /** The agent raised inside an inline handler (WebSocket transport only). */
    public static final int INTERNAL_ERROR = JSONRPC2Error.INTERNAL_ERROR.getCode();

    /** hermes-front: the caller's credential lacks the scope the method needs; the frame never reached the agent. */
    public static final int FORBIDDEN = -32003;
    /** hermes-front: the caller's credential sent messages faster than its rate limit; the frame never reached the agent. */
    public static final int RATE_LIMITED = -32004;
    /** hermes-front: the agent link is not accepting frames (stopped or overloaded); the request was not delivered. */
    public static final int AGENT_UNAVAILABLE = -32050;

    private ErrorCodes() {}
}
