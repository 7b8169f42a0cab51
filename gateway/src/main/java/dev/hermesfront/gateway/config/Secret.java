package dev.hermesfront.gateway.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/** A credential value that never prints itself. Compared in constant time. */
public final class Secret {
    private final byte[] value;

    private Secret(String value) {
        this.value = value.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Returns the SHA-256 of {@code token}'s UTF-8 bytes in hex: what the front keeps of a token it hands out (a share
     * link, a paired device, a pairing code), never the token itself.
     */
    public static String sha256Hex(String token) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Wraps a non-empty secret value. */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("empty secret");
        }
        return new Secret(value);
    }

    /** Returns true when {@code candidate} equals this secret; time does not depend on where they differ. */
    public boolean matches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(value, candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** Returns the value, for the few places that must send it (the printed attach URL). */
    public String reveal() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "<redacted>";
    }
}
