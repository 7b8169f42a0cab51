package dev.hermesfront.protocol.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.ProtocolErrors;
import dev.hermesfront.protocol.RequestId;
import java.io.IOException;

/**
 * Classifies JSON-RPC frames with a single streaming pass, without building a tree and without
 * re-serializing anything.
 *
 * <p>Validation follows the Hermes agent ({@code tui_gateway} {@code handle_ws} and
 * {@code _normalize_request}, tui-wire.md §3): one JSON document per frame (surrounding whitespace
 * ignored, {@code NaN}/{@code Infinity} tolerated like Python's parser), the top-level value must be
 * an object, a call needs a non-empty string {@code method}, {@code params} must be an object or
 * null. {@code jsonrpc} is not checked, as the agent does not check it. Frames that carry no
 * {@code method} but a {@code result} or {@code error} are classified as responses (upstream's
 * server-to-client requests are answered that way, tui-wire.md §9).
 *
 * <p>Thread-safe; create once and share.
 */
public final class FrameCodec {
    private final JsonFactory factory;

    /** Creates a codec that accepts strings up to {@code maxFrameChars} characters. */
    public FrameCodec(int maxFrameChars) {
        this.factory = JsonFactory.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength(Math.max(maxFrameChars, StreamReadConstraints.DEFAULT_MAX_STRING_LEN))
                        .maxNumberLength(100_000)
                        .build())
                .build();
    }

    /** Creates a codec for frames up to 64 MiB. */
    public FrameCodec() {
        this(64 * 1024 * 1024);
    }

    /** Decodes one frame; never throws for bad input. */
    public Decoded decode(String text) {
        try (JsonParser p = factory.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return Decoded.Blank.INSTANCE;
            }
            if (first != JsonToken.START_OBJECT) {
                p.skipChildren();
                return p.nextToken() == null
                        ? new Decoded.Invalid(ProtocolErrors.notAnObject(), "not an object")
                        : parseError();
            }
            return decodeObject(text, p);
        } catch (StreamConstraintsException e) {
            return new Decoded.Invalid(ProtocolErrors.parseError(), "too large or deeply nested");
        } catch (IOException e) {
            return parseError();
        }
    }

    private static Decoded parseError() {
        return new Decoded.Invalid(ProtocolErrors.parseError(), "not valid JSON");
    }

    private static Decoded decodeObject(String text, JsonParser p) throws IOException {
        RequestId id = null;
        int idStart = -1;
        int idEnd = -1;
        String method = null;
        boolean methodPresent = false;
        JsonToken paramsToken = null;
        boolean hasResult = false;
        boolean hasError = false;
        String eventType = null;
        String sessionId = null;

        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "id" -> {
                    idStart = (int) p.currentTokenLocation().getCharOffset();
                    id = readId(text, p, v);
                    idEnd = JsonScan.valueEnd(text, idStart);
                }
                case "method" -> {
                    methodPresent = true;
                    method = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    p.skipChildren();
                }
                case "params" -> {
                    paramsToken = v;
                    eventType = null;
                    sessionId = null;
                    if (v == JsonToken.START_OBJECT) {
                        String[] found = scanParams(p);
                        eventType = found[0];
                        sessionId = found[1];
                    } else {
                        p.skipChildren();
                    }
                }
                case "result" -> {
                    hasResult = true;
                    p.skipChildren();
                }
                case "error" -> {
                    hasError = true;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
            return parseError();
        }

        if (!methodPresent && (hasResult || hasError)) {
            FrameKind kind = hasError ? FrameKind.ERROR : FrameKind.RESPONSE;
            return new Decoded.Valid(new Frame(text, kind, id, null, null, null, idStart, idEnd));
        }
        RequestId replyId = id != null ? id : RequestId.NullId.INSTANCE;
        if (method == null || method.isEmpty()) {
            return new Decoded.Invalid(ProtocolErrors.methodMissing(replyId), "method missing");
        }
        if (paramsToken != null && paramsToken != JsonToken.START_OBJECT && paramsToken != JsonToken.VALUE_NULL) {
            return new Decoded.Invalid(ProtocolErrors.invalidParams(replyId), "params not an object");
        }
        FrameKind kind;
        if (id != null) {
            kind = FrameKind.REQUEST;
        } else if ("event".equals(method)) {
            kind = FrameKind.EVENT;
        } else {
            kind = FrameKind.NOTIFICATION;
        }
        return new Decoded.Valid(new Frame(text, kind, id, method, eventType, sessionId, idStart, idEnd));
    }

    /** Reads {@code type} and {@code session_id} string members of a params object; leaves the parser on its END_OBJECT. */
    private static String[] scanParams(JsonParser p) throws IOException {
        String type = null;
        String session = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_STRING && "type".equals(name)) {
                type = p.getText();
            } else if (v == JsonToken.VALUE_STRING && "session_id".equals(name)) {
                session = p.getText();
            } else {
                p.skipChildren();
            }
        }
        return new String[] {type, session};
    }

    private static RequestId readId(String text, JsonParser p, JsonToken v) throws IOException {
        return switch (v) {
            case VALUE_NULL -> RequestId.NullId.INSTANCE;
            // Python decodes and re-encodes string ids, so the echo is the canonical quoting of the value.
            case VALUE_STRING -> RequestId.StringId.of(p.getText());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new RequestId.NumberId(p.getText());
            default -> {
                int start = (int) p.currentTokenLocation().getCharOffset();
                p.skipChildren();
                int end = (int) p.currentLocation().getCharOffset();
                yield new RequestId.OtherId(start >= 0 && end > start ? text.substring(start, end) : p.getText());
            }
        };
    }
}
