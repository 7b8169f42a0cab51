package dev.hermesfront.gateway.metrics;

/**
 * The route family of a request path, the only path-derived label metrics carry: a fixed set, never the
 * path itself (it may hold ids or tokens). Paths are the normalized ones.
 */
public final class RouteFamily {
    private RouteFamily() {}

    /** Returns the family of {@code path}. */
    public static String of(String path) {
        if (path == null || path.isEmpty()) {
            return "other";
        }
        if (path.equals("/metrics")) {
            return "metrics";
        }
        if (path.startsWith("/front/")) {
            return path.equals("/front/ready") || path.equals("/front/health") ? "front_health" : "front";
        }
        if (path.equals("/api/ws") || (path.startsWith("/peers/") && path.endsWith("/api/ws"))) {
            return "tui";
        }
        if (path.equals("/api/auth/ws-ticket")) {
            return "ticket";
        }
        if (path.equals("/v1/fanout/chat/completions")) {
            return "fanout";
        }
        if (path.startsWith("/peers/") || path.equals("/api/peers")) {
            return "peers";
        }
        if (path.equals("/health") || path.equals("/v1/health") || path.equals("/health/detailed")) {
            return "health";
        }
        if (path.equals("/v1") || path.startsWith("/v1/")) {
            return "v1";
        }
        if (path.equals("/api/jobs") || path.startsWith("/api/jobs/")) {
            return "jobs";
        }
        if (path.equals("/api/sessions") || path.startsWith("/api/sessions/")) {
            return "sessions";
        }
        return "dashboard";
    }

    /** Returns the upstream a family is proxied to ({@code api}, {@code dashboard}, {@code peer}), or null. */
    static String upstream(String family) {
        return switch (family) {
            case "health", "v1", "jobs", "sessions" -> "api";
            case "dashboard" -> "dashboard";
            case "peers", "fanout" -> "peer";
            default -> null;
        };
    }
}
