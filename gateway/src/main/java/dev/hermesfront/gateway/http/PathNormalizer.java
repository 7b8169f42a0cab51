package dev.hermesfront.gateway.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request target's path into the one spelling that routing, policy and the proxy all use.
 *
 * <p>Steps, on the raw (still percent-encoded) path: percent-escapes of unreserved characters
 * ({@code A-Z a-z 0-9 - _ ~}) are decoded and every other escape is written in upper case; dot segments
 * ({@code .} and {@code ..}) are removed (RFC 3986 §5.2.4); empty segments ({@code //}) are collapsed.
 * Refused: anything a later layer would read differently from this one — an escaped slash, backslash or
 * dot ({@code %2F}, {@code %5C}, {@code %2E}), an escaped NUL, a literal backslash, a {@code ;} (Undertow
 * would cut path parameters off where upstreams keep them), control characters, a malformed escape, bytes
 * that are not UTF-8, and {@code ..} above the root. The result has both the encoded form (what is sent
 * upstream) and the decoded form (what routes and rules match); an upstream that decodes once sees the
 * decoded form. Pure and thread-safe.
 */
public final class PathNormalizer {
    private PathNormalizer() {}

    /** A normalized path: {@code encoded} is sent upstream, {@code decoded} is matched by routes and rules. */
    public record Normalized(String encoded, String decoded) {}

    /** Why a path was refused; the message is safe to show the client. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** Normalizes {@code raw}, a path starting with {@code /} without query or fragment. */
    public static Normalized normalize(String raw) throws Refused {
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            throw new Refused("the request path must start with /");
        }
        List<String> segments = new ArrayList<>();
        int i = 1;
        while (i <= raw.length()) {
            int slash = raw.indexOf('/', i);
            int end = slash < 0 ? raw.length() : slash;
            String seg = canonicalSegment(raw, i, end);
            boolean last = slash < 0;
            if (seg.equals("..")) {
                if (segments.isEmpty()) {
                    throw new Refused("the request path climbs above /");
                }
                segments.remove(segments.size() - 1);
                if (last) {
                    segments.add("");
                }
            } else if (seg.equals(".")) {
                if (last) {
                    segments.add("");
                }
            } else if (!seg.isEmpty() || last) {
                segments.add(seg);
            }
            i = end + 1;
        }
        StringBuilder enc = new StringBuilder(raw.length());
        for (String s : segments) {
            enc.append('/').append(s);
        }
        if (enc.length() == 0) {
            enc.append('/');
        }
        String encoded = enc.toString();
        return new Normalized(encoded, decode(encoded));
    }

    /** Returns one segment with unreserved escapes decoded and the others upper-cased; refuses what must not pass. */
    private static String canonicalSegment(String raw, int from, int to) throws Refused {
        StringBuilder b = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= to || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2))) {
                    throw new Refused("malformed percent-escape in the request path");
                }
                int v = Integer.parseInt(raw.substring(i + 1, i + 3), 16);
                if (v == '/' || v == '\\' || v == '.' || v == 0) {
                    throw new Refused("an escaped /, \\, . or NUL in the request path is not accepted");
                }
                if (isUnreserved((char) v)) {
                    b.append((char) v);
                } else {
                    b.append('%').append(Character.toUpperCase(raw.charAt(i + 1))).append(Character.toUpperCase(raw.charAt(i + 2)));
                }
                i += 2;
            } else if (c == '\\' || c == ';' || c < 0x21 || c > 0x7e) {
                throw new Refused("the request path contains a character that is not accepted (\\, ;, space or a control character)");
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '~';
    }

    /** Percent-decodes a canonical path as UTF-8; refuses bytes that are not UTF-8. */
    private static String decode(String encoded) throws Refused {
        if (encoded.indexOf('%') < 0) {
            return encoded;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                bytes.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new Refused("the request path is not UTF-8");
        }
    }
}
