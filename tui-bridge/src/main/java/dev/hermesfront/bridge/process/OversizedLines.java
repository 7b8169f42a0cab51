package dev.hermesfront.bridge.process;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.protocol.ErrorCodes;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.PythonJson;
import dev.hermesfront.protocol.RequestId;
import java.io.IOException;

/**
 * Tells a client about an agent stdout line that was over the gateway's line limit and was dropped.
 *
 * <p>The agent writes a response as {@code {"jsonrpc": "2.0", "id": …, "result": …}}, id near the front
 * (tui-wire.md §1.3), so the head of the line is enough to answer the request: the client gets
 * {@code {"jsonrpc": "2.0", "id": <id>, "error": {"code": -32051, "message": "response too large for the
 * gateway: …"}}} in its place, and is not left waiting. A line whose head shows no id, or a {@code method}
 * (an event, or a server-to-client request), becomes a {@code notification.show} event instead. Stateless.
 */
final class OversizedLines {
    private static final JsonFactory JSON = new JsonFactory();

    private OversizedLines() {}

    /** Returns the frame to send the client for a dropped line of {@code lineBytes} bytes starting with {@code head}. */
    static String reply(byte[] head, long lineBytes, int limit) {
        RequestId id = responseId(head);
        if (id != null) {
            return ProtocolErrors.handlerError(id, ErrorCodes.RESPONSE_TOO_LARGE, "response too large for the gateway: "
                    + lineBytes + " bytes, over its limit of " + limit + " bytes; the agent's answer was dropped");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode payload = f.objectNode()
                .put("text", "hermes-front: the agent sent a frame of " + lineBytes + " bytes, over the gateway's limit of "
                        + limit + " bytes; it was dropped.")
                .put("level", "warn").put("kind", "hermes_front.oversized").put("ttl_ms", 15000);
        payload.putObject("hermes_front").put("event", "frame_dropped").put("bytes", lineBytes).put("limit", limit);
        ObjectNode root = f.objectNode().put("jsonrpc", "2.0").put("method", "event");
        root.putObject("params").put("type", "notification.show").put("session_id", "").set("payload", payload);
        return PythonJson.write(root);
    }

    /**
     * Returns the id of the response the head starts, or null when the head is not a response's: no id before the
     * head ends, a {@code method} member, a structured id, an id the head cuts off, or not a JSON object.
     */
    static RequestId responseId(byte[] head) {
        RequestId id = null;
        // An id is trusted once the parser has read past it: a number the head cuts off would look complete.
        boolean readPast = false;
        try (JsonParser p = JSON.createParser(head)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                readPast = id != null;
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "method" -> {
                        return null;
                    }
                    case "result", "error" -> {
                        return id;
                    }
                    case "id" -> {
                        id = switch (v) {
                            case VALUE_STRING -> RequestId.StringId.of(p.getText());
                            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new RequestId.NumberId(p.getText());
                            case VALUE_NULL -> RequestId.NullId.INSTANCE;
                            default -> null;
                        };
                        if (id == null) {
                            return null;
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            readPast = t == JsonToken.END_OBJECT && id != null;
        } catch (IOException e) {
            // The head ends inside the line: what was read so far decides.
        }
        return readPast ? id : null;
    }
}
