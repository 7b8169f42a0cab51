package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What reaching the front from other machines needs: TLS on the listener, the URL people reach it at, where the
 * front keeps paired devices and generated secrets, and where it tells people the agent waits for them.
 *
 * @param tlsCert           PEM certificate chain ({@code tls.cert}); with {@code tlsKey}, the listener speaks TLS only
 * @param tlsKey            PEM private key ({@code tls.key})
 * @param insecurePlaintext plaintext on a non-loopback, non-Tailscale address is allowed ({@code insecure_plaintext})
 * @param publicUrl         the URL clients reach the front at ({@code public_url}); empty: derived from the listen address
 * @param stateDir          the state directory ({@code state_dir}): devices, the local admin credential, the webhook
 *                          secret; empty: nothing is kept on disk (tests)
 * @param notifications     where notifications go
 */
public record RemoteSettings(Optional<Path> tlsCert, Optional<Path> tlsKey, boolean insecurePlaintext, Optional<URI> publicUrl,
                             Optional<Path> stateDir, NotifySettings notifications) {
    public RemoteSettings {
        requireNonNull(tlsCert, "tlsCert");
        requireNonNull(tlsKey, "tlsKey");
        requireNonNull(publicUrl, "publicUrl");
        requireNonNull(stateDir, "stateDir");
        requireNonNull(notifications, "notifications");
        if (tlsCert.isPresent() != tlsKey.isPresent()) {
            throw new ConfigException("tls.cert and tls.key go together: name both PEM files (or neither)");
        }
    }

    /** No TLS, no state directory, no notifications. */
    public static RemoteSettings none() {
        return new RemoteSettings(Optional.empty(), Optional.empty(), false, Optional.empty(), Optional.empty(), NotifySettings.off());
    }

    /** Returns true when the listener serves TLS. */
    public boolean tls() {
        return tlsCert.isPresent();
    }

    /** Returns these settings with TLS from {@code cert} and {@code key}. */
    public RemoteSettings withTls(Path cert, Path key) {
        return new RemoteSettings(Optional.of(cert), Optional.of(key), insecurePlaintext, publicUrl, stateDir, notifications);
    }

    /** Returns these settings with plaintext on any address allowed ({@code insecure_plaintext: true}). */
    public RemoteSettings withInsecurePlaintext() {
        return new RemoteSettings(tlsCert, tlsKey, true, publicUrl, stateDir, notifications);
    }

    /** Returns these settings with state kept in {@code dir}. */
    public RemoteSettings withStateDir(Path dir) {
        return new RemoteSettings(tlsCert, tlsKey, insecurePlaintext, publicUrl, Optional.of(dir), notifications);
    }

    /** Returns these settings with notifications {@code n}. */
    public RemoteSettings withNotify(NotifySettings n) {
        return new RemoteSettings(tlsCert, tlsKey, insecurePlaintext, publicUrl, stateDir, n);
    }

    /**
     * Where a notification goes when an agent waits for an answer and nobody who may give it is there.
     *
     * @param webhook a URL that gets a JSON POST signed with HMAC-SHA256 ({@code notify.webhook})
     * @param ntfy    an ntfy-style topic URL that gets a plain-text POST ({@code notify.ntfy})
     * @param secret  the webhook's signing key ({@code notify.secret}); empty: one generated in the state directory
     * @param after   how long an attached client may leave a request unanswered before it is notified ({@code notify.after})
     */
    public record NotifySettings(Optional<URI> webhook, Optional<URI> ntfy, Optional<Secret> secret, Duration after) {
        public NotifySettings {
            requireNonNull(webhook, "webhook");
            requireNonNull(ntfy, "ntfy");
            requireNonNull(secret, "secret");
            requireNonNull(after, "after");
        }

        /** No notifications. */
        public static NotifySettings off() {
            return new NotifySettings(Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofMinutes(2));
        }

        /** Returns true when notifications go anywhere. */
        public boolean enabled() {
            return webhook.isPresent() || ntfy.isPresent();
        }
    }
}
