package dev.hermesfront.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.thetransactioncompany.jsonrpc2.JSONRPC2ParseException;
import com.thetransactioncompany.jsonrpc2.JSONRPC2Parser;
import java.io.IOException;
import java.util.Optional;

/**
 * Says whether a frame is valid JSON-RPC 2.0, with JSON-RPC 2.0 Base's parser as the reference: version
 * {@code "2.0"}, a request or notification with a string {@code method} and structured {@code params}, a response
 * with a scalar {@code id} and exactly one of {@code result} and {@code error} (an integer {@code code} and a
 * string {@code message}), valid JSON (no {@code NaN} or {@code Infinity}). Members the standard does not name
 * are allowed, as the standard allows.
 *
 * <p>The runner checks every frame a target sends and every recorded server frame; nothing on the gateway's path
 * uses it. A frame with {@code method} is checked as a request (with {@code id}) or a notification, any other
 * object as a response, so the message names what is wrong with the kind of frame it is. Thread-safe.
 */
final class JsonRpcCheck {
    private final JSONRPC2Parser parser = new JSONRPC2Parser(true, false, false);
    private final ObjectMapper mapper = new ObjectMapper();

    /** Returns why {@code text} is not a valid JSON-RPC 2.0 message, or empty when it is one. */
    Optional<String> violation(String text) {
        JsonNode tree = null;
        try {
            tree = mapper.readTree(text);
        } catch (IOException e) {
            // Not JSON for Jackson either; the reference parser names it below.
        }
        try {
            if (tree != null && tree.isObject() && tree.has("method")) {
                if (tree.has("id")) {
                    parser.parseJSONRPC2Request(text);
                } else {
                    parser.parseJSONRPC2Notification(text);
                }
            } else if (tree != null && tree.isObject()) {
                parser.parseJSONRPC2Response(text);
            } else if (tree != null && tree.isArray()) {
                parser.parseJSONRPC2Request(text); // names the batch
            } else {
                parser.parseJSONRPC2Message(text);
            }
            return Optional.empty();
        } catch (JSONRPC2ParseException e) {
            String message = e.getMessage() == null ? "invalid" : e.getMessage();
            if (e.getCauseType() == JSONRPC2ParseException.JSON) {
                message += " (not JSON as RFC 8259 defines it, which has no NaN, Infinity or single quotes)";
            }
            return Optional.of(message);
        } catch (RuntimeException e) {
            return Optional.of("the reference parser failed: " + e);
        }
    }
}
