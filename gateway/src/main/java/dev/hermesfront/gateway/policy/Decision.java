package dev.hermesfront.gateway.policy;

import dev.hermesfront.gateway.config.Scope;

/**
 * The outcome of the one authorization decision ({@link Gate#authorize}); each route renders it its own
 * way (REST: 403/429; {@code /api/ws} frames: {@code -32003}/{@code -32004}).
 */
public sealed interface Decision {
    /** Go ahead. */
    record Allowed() implements Decision {}

    /**
     * Refused: the identity's scope does not cover what the call needs. The reason names the scope
     * needed and the scope held, never the credential.
     */
    record Denied(Scope need, Scope have, String reason) implements Decision {}

    /** Refused for now: the credential's rate is spent; retry after {@code retryMs}. */
    record Limited(long retryMs) implements Decision {}

    /** The single allowed instance. */
    Decision ALLOWED = new Allowed();
}
