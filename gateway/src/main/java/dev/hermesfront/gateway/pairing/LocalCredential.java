package dev.hermesfront.gateway.pairing;

import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.state.StateDir;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The state directory's admin credential, {@value #NAME}: a random token in {@code state_dir/local-admin-token}
 * (0600), made by the running front at start and accepted beside the configured credentials. It is how
 * {@code hermes-front pair} and {@code hermes-front devices} on this machine reach the running front; whoever can
 * read the state directory is the machine's operator already.
 */
public final class LocalCredential {
    /** The credential's name, as audit lines and device lists show it. */
    public static final String NAME = "hermes-front-local";
    /** The file holding its token. */
    static final String FILE = "local-admin-token";

    private LocalCredential() {}

    /** Returns the credential, making its token the first time. */
    public static Credential of(StateDir state) throws IOException {
        return new Credential.Token(NAME, Secret.of(state.secret(FILE)), "admin");
    }

    /** Returns {@code configured} with {@code local} added (unless null, or a configured credential has its name). */
    public static Credentials with(Credentials configured, Credential local) {
        if (local == null || configured.all().stream().anyMatch(c -> c.name().equals(NAME))) {
            return configured;
        }
        List<Credential> all = new ArrayList<>(configured.all());
        all.add(local);
        return Credentials.of(all, configured.delegating());
    }
}
