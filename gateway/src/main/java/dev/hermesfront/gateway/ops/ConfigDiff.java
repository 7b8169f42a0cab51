package dev.hermesfront.gateway.ops;

import dev.hermesfront.gateway.config.AuthSettings;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.LimitSettings;
import dev.hermesfront.gateway.config.ListenSettings;
import dev.hermesfront.gateway.config.PeerConfig;
import dev.hermesfront.gateway.config.PeerSettings;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.SecuritySettings;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a reload may change in place and what needs a restart. In place: credentials and their scopes,
 * the trusted proxy's identity header, allowed hosts and origins, the body limit, lockout and rate limits,
 * peers. Restart: the listen address, the upstreams and the timeouts, the {@code /api/ws} channel's limits and
 * parking, the audit log's file (the agent command and recording are compared by the caller). The effective config
 * keeps the running value of everything that needs a restart, so nothing is half-applied; those keys are
 * reported instead.
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
        ListenSettings rl = running.listen();
        ListenSettings nl = next.listen();
        if (!rl.address().equals(nl.address())) {
            restart.add("listen");
        }
        if (!rl.allowedHosts().equals(nl.allowedHosts())) {
            applied.add("allowed_hosts");
        }
        if (!rl.allowedOrigins().equals(nl.allowedOrigins())) {
            applied.add("allowed_origins");
        }
        if (!sameCredentials(running.auth().credentials(), next.auth().credentials())) {
            applied.add("credentials");
        }
        if (!running.auth().proxy().equals(next.auth().proxy())) {
            applied.add("identity_header/trusted_proxies");
        }
        LimitSettings r = running.limits();
        LimitSettings n = next.limits();
        if (r.maxBodyBytes() != n.maxBodyBytes()) {
            applied.add("max_body_bytes");
        }
        if (r.maxMessageBytes() != n.maxMessageBytes()) {
            restart.add("max_message_bytes");
        }
        if (r.outboundHighWater() != n.outboundHighWater() || r.outboundLimit() != n.outboundLimit()) {
            restart.add("limits.outbound_*");
        }
        if (r.maxConnections() != n.maxConnections() || r.connectionsPerAddress() != n.connectionsPerAddress()
                || !r.handshakeTimeout().equals(n.handshakeTimeout())) {
            restart.add("limits.*connections*/handshake_timeout");
        }
        if (!sameUpstream(running.upstreams().api(), next.upstreams().api())) {
            restart.add("api.*");
        }
        if (!sameUpstream(running.upstreams().dashboard(), next.upstreams().dashboard())) {
            restart.add("dashboard.*");
        }
        if (!running.upstreams().connect().equals(next.upstreams().connect()) || !running.upstreams().response().equals(next.upstreams().response())
                || !running.upstreams().idle().equals(next.upstreams().idle())) {
            // Also used without an API server or dashboard (peers, the dashboard's /api/ws): say so instead of keeping them silently.
            restart.add("timeouts.*");
        }
        if (!running.tui().equals(next.tui())) {
            restart.add("tui.*");
        }
        SecuritySettings rs = running.security();
        SecuritySettings ns = next.security();
        if (!rs.auditLog().equals(ns.auditLog()) || rs.auditMaxBytes() != ns.auditMaxBytes() || rs.auditKeep() != ns.auditKeep()) {
            restart.add("audit_log*");
        }
        if (rs.authFailures() != ns.authFailures() || !rs.authWindow().equals(ns.authWindow()) || !rs.lockout().equals(ns.lockout())) {
            applied.add("limits.auth_*/lockout");
        }
        if (rs.restPerSecond() != ns.restPerSecond() || rs.restBurst() != ns.restBurst() || rs.wsPerSecond() != ns.wsPerSecond()
                || rs.wsBurst() != ns.wsBurst()) {
            applied.add("limits.rest_*/ws_*");
        }
        if (rs.healthPerSecond() != ns.healthPerSecond() || rs.healthBurst() != ns.healthBurst()) {
            applied.add("limits.health_*");
        }
        if (!running.pools().equals(next.pools())) {
            restart.add("pools.*");
        }
        if (!samePeers(running.peers(), next.peers())) {
            applied.add("peers");
        }
        if (!running.remote().equals(next.remote())) {
            restart.add("tls.*/insecure_plaintext/public_url/state_dir/notify.*");
        }
        GatewayConfig effective = new GatewayConfig(
                new ListenSettings(rl.address(), nl.allowedHosts(), nl.allowedOrigins()),
                new AuthSettings(next.auth().credentials(), next.auth().proxy()),
                new LimitSettings(n.maxBodyBytes(), r.maxMessageBytes(), r.outboundHighWater(), r.outboundLimit(), r.maxConnections(),
                        r.connectionsPerAddress(), r.handshakeTimeout()),
                running.upstreams(), running.tui(),
                new SecuritySettings(rs.auditLog(), rs.auditMaxBytes(), rs.auditKeep(), ns.authFailures(), ns.authWindow(), ns.lockout(),
                        ns.restPerSecond(), ns.restBurst(), ns.wsPerSecond(), ns.wsBurst(), ns.healthPerSecond(), ns.healthBurst()),
                next.peers(), running.pools(), running.remote());
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
