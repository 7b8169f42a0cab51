package dev.hermesfront.protocol.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.hermesfront.protocol.ErrorCodes;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.JsonScan;
import dev.hermesfront.protocol.JsonText;
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
 * <p>Frames that would kill the real agent instead of being answered by it are refused here with the
 * answer the agent gives to a line it cannot parse ({@code -32700}, {@code "id": null}), so they never
 * reach it (measured against {@code tui_gateway.entry} on Python 3.11, docs/protocol.md "Limits"):
 * <ul>
 *   <li>an integer literal with more than {@value #MAX_INT_DIGITS} digits anywhere in the frame (Python's
 *       {@code int} conversion limit raises {@code ValueError}, which the agent's read loop does not catch;
 *       floats of any length are fine and pass);</li>
 *   <li>nesting deeper than {@value #MAX_DEPTH} arrays/objects (the agent's parser raises
 *       {@code RecursionError} from depth 992, and echoing a nested id from depth 990);</li>
 * </ul>
 * and a {@code method} or {@code id} (of any frame) holding a lone UTF-16 surrogate (sent as the ASCII escape
 * {@code "\\ud800"}) is answered here, because the agent dies writing its reply that echoes it: such a
 * method gets the agent's {@code -32601 unknown method}, such an id {@code -32600}; both with the
 * surrogate escaped ({@link JsonText}).
 *
 * <p>Thread-safe; create once and share.
 */
public final class FrameCodec {
    /** Most digits (sign excluded) of an integer literal the agent parses: Python's {@code sys.get_int_max_str_digits()}. */
    public static final int MAX_INT_DIGITS = 4300;
    /**
     * Deepest nesting passed on, the top-level object counting as 1. The real agent survives 989 (991 when
     * the nested value is not the id); 512 keeps a margin for a deeper call stack in other agent versions
     * and transports, and is far beyond anything a client sends.
     */
    public static final int MAX_DEPTH = 512;

    /** {@link #readId} found a lone surrogate in the id. */
    private static final int ID_LONE_SURROGATE = 1;
    /** {@link #readId} found an integer too long for the agent in the id. */
    private static final int ID_INT_TOO_LONG = 2;

    private final JsonFactory factory;
    private final int maxIntDigits;

    /**
     * Creates a codec that accepts strings up to {@code maxFrameChars} characters, integers up to
     * {@code maxIntDigits} digits and nesting up to {@code maxDepth}.
     */
    public FrameCodec(int maxFrameChars, int maxIntDigits, int maxDepth) {
        this.maxIntDigits = maxIntDigits;
        this.factory = JsonFactory.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength(Math.max(maxFrameChars, StreamReadConstraints.DEFAULT_MAX_STRING_LEN))
                        // Floats of any length parse in Python; integers are bounded below, by digits.
                        .maxNumberLength(Math.max(maxFrameChars, StreamReadConstraints.DEFAULT_MAX_NUM_LEN))
                        .maxNestingDepth(maxDepth)
                        .build())
                .build();
    }

    /** Creates a codec that accepts strings up to {@code maxFrameChars} characters, with the agent's limits. */
    public FrameCodec(int maxFrameChars) {
        this(maxFrameChars, MAX_INT_DIGITS, MAX_DEPTH);
    }

    /** Creates a codec for frames up to 64 MiB, with the agent's limits. */
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
                if (!skip(p)) {
                    return tooBigForTheAgent();
                }
                return p.nextToken() == null
                        ? new Decoded.Invalid(ProtocolErrors.notAnObject(), "not an object")
                        : parseError();
            }
            return decodeObject(text, p);
        } catch (StreamConstraintsException e) {
            return tooBigForTheAgent();
        } catch (IOException e) {
            return parseError();
        }
    }

    private static Decoded parseError() {
        return new Decoded.Invalid(ProtocolErrors.parseError(), "not valid JSON");
    }

    private static Decoded tooBigForTheAgent() {
        return new Decoded.Invalid(ProtocolErrors.parseError(), "number too long or nesting too deep for the agent");
    }

    /**
     * Skips the value the parser is on, like {@link JsonParser#skipChildren()}, checking every integer on the way.
     *
     * @return false when an integer has more digits than the agent parses
     */
    private boolean skip(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return intFits(p);
        }
        if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
            return true;
        }
        int open = 1;
        while (open > 0) {
            t = p.nextToken();
            if (t == null) {
                throw new IOException("unexpected end of input");
            }
            switch (t) {
                case START_OBJECT, START_ARRAY -> open++;
                case END_OBJECT, END_ARRAY -> open--;
                case VALUE_NUMBER_INT -> {
                    if (!intFits(p)) {
                        return false;
                    }
                }
                default -> { }
            }
        }
        return true;
    }

    private boolean intFits(JsonParser p) throws IOException {
        int len = p.getTextLength();
        if (len <= maxIntDigits) {
            return true;
        }
        char first = p.getTextCharacters()[p.getTextOffset()];
        return first == '-' && len - 1 <= maxIntDigits;
    }

    /** Skips the structured id the parser is on; returns {@link #ID_LONE_SURROGATE}/{@link #ID_INT_TOO_LONG} flags. */
    private int skipStructuredId(JsonParser p) throws IOException {
        int flags = 0;
        int open = 0;
        JsonToken t = p.currentToken();
        do {
            switch (t) {
                case START_OBJECT, START_ARRAY -> open++;
                case END_OBJECT, END_ARRAY -> open--;
                case VALUE_STRING, FIELD_NAME -> flags |= JsonText.hasLoneSurrogate(p.getText()) ? ID_LONE_SURROGATE : 0;
                case VALUE_NUMBER_INT -> flags |= intFits(p) ? 0 : ID_INT_TOO_LONG;
                default -> { }
            }
            if (open == 0) {
                return flags;
            }
            t = p.nextToken();
        } while (t != null);
        throw new IOException("unexpected end of input");
    }

    private Decoded decodeObject(String text, JsonParser p) throws IOException {
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
        boolean idLoneSurrogate = false;
        boolean fits = true;

        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "id" -> {
                    idStart = (int) p.currentTokenLocation().getCharOffset();
                    RequestId[] read = new RequestId[1];
                    int flags = readId(text, p, v, read);
                    id = read[0];
                    idLoneSurrogate = (flags & ID_LONE_SURROGATE) != 0;
                    fits &= (flags & ID_INT_TOO_LONG) == 0;
                    idEnd = JsonScan.valueEnd(text, idStart);
                }
                case "method" -> {
                    methodPresent = true;
                    method = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    fits &= skip(p);
                }
                case "params" -> {
                    paramsToken = v;
                    eventType = null;
                    sessionId = null;
                    if (v == JsonToken.START_OBJECT) {
                        String[] found = new String[2];
                        fits &= scanParams(p, found);
                        eventType = found[0];
                        sessionId = found[1];
                    } else {
                        fits &= skip(p);
                    }
                }
                case "result" -> {
                    hasResult = true;
                    fits &= skip(p);
                }
                case "error" -> {
                    hasError = true;
                    fits &= skip(p);
                }
                default -> fits &= skip(p);
            }
        }
        if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
            return parseError();
        }
        if (!fits) {
            return tooBigForTheAgent();
        }

        RequestId replyId = id != null ? id : RequestId.NullId.INSTANCE;
        if (idLoneSurrogate) {
            // Also for responses: the fork's agent answers a client response with -32600 echoing its id.
            return new Decoded.Invalid(ProtocolErrors.handlerError(replyId, ErrorCodes.INVALID_REQUEST,
                    "invalid request: id holds a lone surrogate"), "lone surrogate in id");
        }
        if (!methodPresent && (hasResult || hasError)) {
            FrameKind kind = hasError ? FrameKind.ERROR : FrameKind.RESPONSE;
            return new Decoded.Valid(new Frame(text, kind, id, null, null, null, idStart, idEnd));
        }
        if (method != null && JsonText.hasLoneSurrogate(method)) {
            return new Decoded.Invalid(ProtocolErrors.methodNotFound(replyId, method), "lone surrogate in method");
        }
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

    /**
     * Reads {@code type} and {@code session_id} string members of a params object into {@code found}; leaves the
     * parser on its END_OBJECT.
     *
     * @return false when an integer inside is too long for the agent
     */
    private boolean scanParams(JsonParser p, String[] found) throws IOException {
        boolean fits = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_STRING && "type".equals(name)) {
                found[0] = p.getText();
            } else if (v == JsonToken.VALUE_STRING && "session_id".equals(name)) {
                found[1] = p.getText();
            } else {
                fits &= skip(p);
            }
        }
        return fits;
    }

    /**
     * Reads the id the parser is on into {@code out[0]}.
     *
     * @return {@link #ID_LONE_SURROGATE} and {@link #ID_INT_TOO_LONG} flags: what the agent could not parse or echo
     */
    private int readId(String text, JsonParser p, JsonToken v, RequestId[] out) throws IOException {
        switch (v) {
            case VALUE_NULL -> out[0] = RequestId.NullId.INSTANCE;
            // Python decodes and re-encodes string ids, so the echo is the canonical quoting of the value.
            case VALUE_STRING -> {
                out[0] = RequestId.StringId.of(p.getText());
                return JsonText.hasLoneSurrogate(p.getText()) ? ID_LONE_SURROGATE : 0;
            }
            case VALUE_NUMBER_INT -> {
                out[0] = new RequestId.NumberId(p.getText());
                return intFits(p) ? 0 : ID_INT_TOO_LONG;
            }
            case VALUE_NUMBER_FLOAT -> out[0] = new RequestId.NumberId(p.getText());
            case START_OBJECT, START_ARRAY -> {
                int start = (int) p.currentTokenLocation().getCharOffset();
                int flags = skipStructuredId(p);
                int end = (int) p.currentLocation().getCharOffset();
                out[0] = new RequestId.OtherId(start >= 0 && end > start ? text.substring(start, end) : p.getText());
                return flags;
            }
            default -> out[0] = new RequestId.OtherId(p.getText());
        }
        return 0;
    }
}
