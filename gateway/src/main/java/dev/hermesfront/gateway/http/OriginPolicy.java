package dev.hermesfront.gateway.http;

import java.util.Locale;
import java.util.Set;

/**
 * Decides which browser {@code Origin}s are served. No Origin (non-browser clients): allowed. An http(s)
 * origin whose host:port equals the request's Host: same-origin, allowed. Anything else only when listed
 * exactly in the allowlist; {@code null} and {@code file://…} origins (the desktop app) only when
 * {@code null} / {@code file://} are listed. Immutable and thread-safe.
 */
public final class OriginPolicy {
    /** How a request's Origin relates to the front. */
    public enum Verdict { NONE, SAME_ORIGIN, ALLOWED_CROSS_ORIGIN, REFUSED }

    private final Set<String> allowed;

    public OriginPolicy(Set<String> allowedOrigins) {
        this.allowed = Set.copyOf(allowedOrigins);
    }

    /** Classifies {@code origin} (may be null) for a request whose Host header is {@code host}. */
    public Verdict check(String origin, String host) {
        if (origin == null) {
            return Verdict.NONE;
        }
        String o = origin.strip();
        if (o.equals("null")) {
            return allowed.contains("null") ? Verdict.ALLOWED_CROSS_ORIGIN : Verdict.REFUSED;
        }
        String lower = o.toLowerCase(Locale.ROOT);
        if (lower.startsWith("file://")) {
            return allowed.contains("file://") ? Verdict.ALLOWED_CROSS_ORIGIN : Verdict.REFUSED;
        }
        if (host != null && (sameAuthority(lower, "http://", host, 80) || sameAuthority(lower, "https://", host, 443))) {
            return Verdict.SAME_ORIGIN;
        }
        return allowed.contains(o) ? Verdict.ALLOWED_CROSS_ORIGIN : Verdict.REFUSED;
    }

    private static boolean sameAuthority(String origin, String scheme, String host, int defaultPort) {
        if (!origin.startsWith(scheme)) {
            return false;
        }
        String authority = origin.substring(scheme.length());
        String h = host.strip().toLowerCase(Locale.ROOT);
        return authority.equals(h) || authority.equals(h + ":" + defaultPort) || h.equals(authority + ":" + defaultPort);
    }
}
