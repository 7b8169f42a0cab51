package dev.hermesfront.gateway.ops;

import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.PeerConfig;
import dev.hermesfront.gateway.config.PeerSettings;
import dev.hermesfront.gateway.config.RowValues;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.SecuritySettings;
import dev.hermesfront.gateway.config.Setting;
import dev.hermesfront.gateway.config.Settings;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a reload changes in place and what needs a restart, decided by the rows of the settings table: every row
 * ({@code Settings.TABLE}) whose value differs between the running and the new configuration is reported by its
 * {@link Setting#reload()}: {@code APPLIED} rows take their new value, {@code RESTART} rows keep their running one and
 * are reported, {@code CALLER} rows are the command's to compare ({@code agent.*}, {@code record}, {@code log_*}).
 * Nothing is half-applied: the effective configuration is the running one with the applied rows' new values.
 *
 * <p>Three parts are resolved from more than the rows and compared here as wholes: the credentials (the YAML
 * {@code credentials} list besides {@code token} and {@code basic_users}; applied, reported as {@code credentials}),
 * the peers (the YAML {@code peers} list; applied, {@code peers}), and the upstreams' keys found in the environment or
 * {@code .env} (restart, {@code api.key}/{@code dashboard.token} with where they came from). These are taken whole from the
 * new configuration (credentials, peers) or kept from the running one (upstreams, the audit log's file, the remote
 * settings), as their rows say.
 */
public final class ConfigDiff {
    private ConfigDiff() {}

    /**
     * The outcome of comparing the running config with a freshly loaded one.
     *
     * @param effective     what to run now: the new in-place parts, the running restart-only parts
     * @param applied       keys changed in place
     * @param restartNeeded keys changed that take effect only after a restart
     */
    public record Result(GatewayConfig effective, List<String> applied, List<String> restartNeeded) {}

    /** Compares {@code running} with {@code next}. */
    public static Result of(GatewayConfig running, GatewayConfig next) {
        List<String> applied = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        RowValues kept = next.values();
        for (Setting<?> s : Settings.TABLE) {
            if (s.reload() == Setting.Reload.CALLER || running.values().same(next.values(), s)) {
                continue;
            }
            if (s.reload() == Setting.Reload.APPLIED) {
                applied.add(s.key());
            } else {
                restart.add(s.key());
                kept = kept.withRowOf(running.values(), s);
            }
        }
        if (!sameCredentials(running.auth().credentials(), next.auth().credentials())
                && !applied.contains(Settings.TOKEN.key()) && !applied.contains(Settings.BASIC_USERS.key())) {
            applied.add("credentials");
        }
        if (!samePeers(running.peers(), next.peers()) && !applied.contains(Settings.PEER_PROBE_INTERVAL.key())
                && !applied.contains(Settings.PEER_TIMEOUT.key())) {
            applied.add("peers");
        }
        if (!sameUpstream(running.upstreams().api(), next.upstreams().api()) && restart.stream().noneMatch(k -> k.startsWith("api."))) {
            restart.add("api.key (from the environment or .env)");
        }
        if (!sameUpstream(running.upstreams().dashboard(), next.upstreams().dashboard())
                && restart.stream().noneMatch(k -> k.startsWith("dashboard."))) {
            restart.add("dashboard.token (from the environment or .env)");
        }
        GatewayConfig effective;
        if (restart.isEmpty()) {
            effective = next;
        } else {
            GatewayConfig r = running.rebuilt(kept);
            effective = new GatewayConfig(r.listen(), next.auth(), r.limits(), r.upstreams(), r.tui(), r.security(), next.peers(), r.pools(),
                    r.remote(), r.values());
        }
        return new Result(effective, List.copyOf(applied), List.copyOf(restart));
    }

    /** Returns true when the lockout settings are the same (the failure counts can be kept). */
    public static boolean sameLockout(SecuritySettings a, SecuritySettings b) {
        return a.authFailures() == b.authFailures() && a.authWindow().equals(b.authWindow()) && a.lockout().equals(b.lockout());
    }

    /** Returns true when the peer maps are the same (names, URLs, credentials, timeouts, probe interval). */
    public static boolean samePeers(PeerSettings a, PeerSettings b) {
        if (a.peers().size() != b.peers().size() || !a.probeInterval().equals(b.probeInterval()) || !a.timeout().equals(b.timeout())) {
            return false;
        }
        for (int i = 0; i < a.peers().size(); i++) {
            PeerConfig x = a.peers().get(i);
            PeerConfig y = b.peers().get(i);
            if (!x.name().equals(y.name()) || !x.url().equals(y.url()) || !x.timeout().equals(y.timeout())
                    || !equalSecrets(x.credential().authorization(), y.credential().authorization())) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameUpstream(Optional<UpstreamConfig> a, Optional<UpstreamConfig> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return a.isEmpty() == b.isEmpty();
        }
        UpstreamConfig x = a.get();
        UpstreamConfig y = b.get();
        return x.uri().equals(y.uri()) && x.connectTimeout().equals(y.connectTimeout()) && x.responseTimeout().equals(y.responseTimeout())
                && x.idleTimeout().equals(y.idleTimeout()) && sameSecret(x.credential(), y.credential());
    }

    private static boolean sameSecret(Optional<Secret> a, Optional<Secret> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return a.isEmpty() == b.isEmpty();
        }
        return equalSecrets(a.get().reveal(), b.get().reveal());
    }

    private static boolean sameCredentials(Credentials a, Credentials b) {
        if (a.all().size() != b.all().size() || !a.delegating().equals(b.delegating())) {
            return false;
        }
        for (Credential c : a.all()) {
            if (b.all().stream().noneMatch(d -> same(c, d) && c.scope() == d.scope())) {
                return false;
            }
        }
        return true;
    }

    /** Returns true when {@code a} and {@code b} are the same credential: kind, name and secret (or identity). */
    static boolean same(Credential a, Credential b) {
        if (!a.name().equals(b.name())) {
            return false;
        }
        if (a instanceof Credential.Token x && b instanceof Credential.Token y) {
            return equalSecrets(x.token().reveal(), y.token().reveal());
        }
        if (a instanceof Credential.Basic x && b instanceof Credential.Basic y) {
            return x.user().equals(y.user()) && equalSecrets(x.password().reveal(), y.password().reveal());
        }
        if (a instanceof Credential.Login x && b instanceof Credential.Login y) {
            return x.login().equalsIgnoreCase(y.login());
        }
        return false;
    }

    private static boolean equalSecrets(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
