package dev.hermesfront.gateway.policy;

import dev.hermesfront.gateway.config.SecuritySettings;

/**
 * The running policy pieces one gateway shares across its handlers and /api/ws connections: the
 * scope table, the audit log, the per-address lockout and the per-credential rate limits.
 *
 * @param policy   which scope each call needs
 * @param audit    the audit log (possibly a no-op)
 * @param failures failed authentications per address
 * @param rest     REST requests per credential
 * @param ws       /api/ws messages per credential
 */
public record Guardrails(AccessPolicy policy, AuditLog audit, AuthFailures failures, TokenBuckets rest, TokenBuckets ws)
        implements AutoCloseable {

    /** Builds them from settings. */
    public static Guardrails from(SecuritySettings s) {
        return new Guardrails(AccessPolicy.builtIn(),
                s.auditLog().map(p -> AuditLog.open(p, s.auditMaxBytes(), s.auditKeep())).orElseGet(AuditLog::disabled),
                new AuthFailures(s.authFailures(), s.authWindow(), s.lockout(), System::nanoTime),
                new TokenBuckets(s.restBurst(), s.restPerSecond(), System::nanoTime),
                new TokenBuckets(s.wsBurst(), s.wsPerSecond(), System::nanoTime));
    }

    /** Flushes and closes the audit log. */
    @Override
    public void close() {
        audit.close();
    }
}
