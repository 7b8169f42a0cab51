package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Audit and abuse limits.
 *
 * @param auditLog        JSON-lines audit file; empty = no audit log
 * @param auditMaxBytes   size past which the audit file is rotated (default 10 MiB)
 * @param auditKeep       rotated files kept (default 5)
 * @param authFailures    failed authentications from one address that lock it out (default 10)
 * @param authWindow      how far back failures count (default 60 s)
 * @param lockout         how long a lockout lasts (default 5 min)
 * @param restPerSecond   sustained REST requests per second per credential (default 50)
 * @param restBurst       REST burst per credential (default 200)
 * @param wsPerSecond     sustained /api/ws messages per second per credential (default 200)
 * @param wsBurst         /api/ws message burst per credential (default 2000)
 * @param healthPerSecond unauthenticated /health requests per second per client address (default 5)
 * @param healthBurst     /health burst per client address (default 20)
 */
public record SecuritySettings(Optional<Path> auditLog, long auditMaxBytes, int auditKeep, int authFailures, Duration authWindow,
                               Duration lockout, double restPerSecond, int restBurst, double wsPerSecond, int wsBurst,
                               double healthPerSecond, int healthBurst) {
    public SecuritySettings {
        requireNonNull(auditLog, "auditLog");
        requireNonNull(authWindow, "authWindow");
        requireNonNull(lockout, "lockout");
        if (authFailures < 1) {
            throw new ConfigException("limits.auth_failures", Integer.toString(authFailures), "an integer of at least 1");
        }
        if (!(restPerSecond > 0) || restBurst < 1 || !(wsPerSecond > 0) || wsBurst < 1) {
            throw new ConfigException("limits: rates must be > 0 and bursts >= 1");
        }
        if (auditMaxBytes < 1024 || auditKeep < 0) {
            throw new ConfigException("audit_log_max_bytes/audit_log_keep", auditMaxBytes + "/" + auditKeep, "at least 1024 bytes, keep >= 0");
        }
    }

    /** Returns the defaults: the settings table's, no audit log. */
    public static SecuritySettings defaults() {
        return from(Settings.DEFAULTS, Optional.empty());
    }

    /**
     * Returns the settings of {@code v}, read row by row.
     *
     * @param auditLog the audit log's file ({@code audit_log}, whose "off" and {@code ~} its reader resolves)
     */
    public static SecuritySettings from(Settings.Values v, Optional<Path> auditLog) {
        return new SecuritySettings(auditLog, v.get(Settings.AUDIT_LOG_MAX_BYTES), v.get(Settings.AUDIT_LOG_KEEP).intValue(),
                v.get(Settings.AUTH_FAILURES).intValue(), v.get(Settings.AUTH_WINDOW), v.get(Settings.LOCKOUT),
                v.get(Settings.REST_PER_SECOND), v.get(Settings.REST_BURST).intValue(), v.get(Settings.WS_PER_SECOND),
                v.get(Settings.WS_BURST).intValue(), v.get(Settings.HEALTH_PER_SECOND), v.get(Settings.HEALTH_BURST).intValue());
    }
}
