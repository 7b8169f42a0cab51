package dev.hermesfront.protocol;

/**
 * Builds error frames byte for byte as the Hermes agent writes them (tui-wire.md §1.3, §3.3).
 *
 * <p>The agent has two member orders: transport-level errors ({@code -32700}, {@code -32603})
 * put {@code id} last, handler-level errors put it first. Both use Python's default separators.
 */
public final class ProtocolErrors {
    private static final String PARSE_ERROR =
            "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32700, \"message\": \"parse error\"}, \"id\": null}";
    private static final String NOT_AN_OBJECT =
            "{\"jsonrpc\": \"2.0\", \"id\": null, \"error\": {\"code\": -32600, \"message\": \"invalid request: expected an object\"}}";

    private ProtocolErrors() {}

    /** Returns the answer to a frame that is not valid JSON. */
    public static String parseError() {
        return PARSE_ERROR;
    }

    /** Returns the answer to a frame whose top-level value is not an object (for example a batch). */
    public static String notAnObject() {
        return NOT_AN_OBJECT;
    }

    /** Returns the answer to an object with no usable {@code method}. */
    public static String methodMissing(RequestId id) {
        return handlerError(id, ErrorCodes.INVALID_REQUEST, "invalid request: method must be a non-empty string");
    }

    /** Returns the answer to a request whose {@code params} is neither an object nor null. */
    public static String invalidParams(RequestId id) {
        return handlerError(id, ErrorCodes.INVALID_PARAMS, "invalid params: expected an object");
    }

    /** Returns the answer to an unknown method. */
    public static String methodNotFound(RequestId id, String method) {
        return handlerError(id, ErrorCodes.METHOD_NOT_FOUND, "unknown method: " + method);
    }

    /** Returns a transport-level internal error ({@code id} last, as the agent's WebSocket transport writes it). */
    public static String internalError(RequestId id) {
        return "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32603, \"message\": \"internal error\"}, \"id\": "
                + id.json() + "}";
    }

    /** Returns a handler-level error: {@code {"jsonrpc": "2.0", "id": …, "error": {"code": …, "message": …}}}. */
    public static String handlerError(RequestId id, int code, String message) {
        StringBuilder b = new StringBuilder(64 + message.length());
        b.append("{\"jsonrpc\": \"2.0\", \"id\": ").append(id.json())
                .append(", \"error\": {\"code\": ").append(code).append(", \"message\": ");
        JsonText.quoteInto(b, message);
        return b.append("}}").toString();
    }
}
