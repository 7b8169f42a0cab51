package dev.hermesfront.gateway.config;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The credentials configured for one listener, and the constant-time lookups over them. Immutable and
 * thread-safe. Every lookup compares against every credential of its kind, so the time taken does not
 * tell which one (or whether one) matched.
 *
 * <p>Each credential has a <b>stable id</b> ({@link #idOf}): an HMAC, under a key drawn at random when the process
 * starts, of its kind, name and secret (token; Basic user and password; or identity). It is the same in every
 * configuration generation for as long as the credential is configured unchanged, and different as soon as its
 * secret, kind or name changes: removing {@code alice} and adding {@code alice} back with another token is another
 * source, so nothing granted to the first survives into the second. The id reveals nothing of the secret (the key
 * never leaves the process), but it is still not written to logs; grants ({@link dev.hermesfront.gateway.policy.Grant})
 * name their source by it.
 */
public final class Credentials {
    private static final byte[] ID_KEY = new byte[32];

    static {
        new SecureRandom().nextBytes(ID_KEY);
    }

    private final List<Credential> all;
    /** Names of the credentials that may act on behalf of their users. */
    private final Set<String> delegating;
    private final Map<String, Credential> byId = new HashMap<>();
    private final Map<Credential, String> ids = new IdentityHashMap<>();

    private Credentials(List<Credential> all) {
        this(all, Set.of());
    }

    private Credentials(List<Credential> all, Set<String> delegating) {
        this.all = List.copyOf(all);
        this.delegating = Set.copyOf(delegating);
        for (Credential c : this.all) {
            String id = stableId(c);
            byId.put(id, c);
            ids.put(c, id);
        }
        Set<String> names = new HashSet<>();
        Set<String> logins = new HashSet<>();
        for (Credential c : this.all) {
            // An entry with a token (or Basic user) and an identity yields one of each under its name.
            if (c.name().indexOf('/') >= 0) {
                // NAME/USER is how a coordinator's users are named here (coord/alice): no credential may look like one.
                throw new ConfigException("credentials", c.name(), "a name without '/' (coord/alice names a coordinator's user)");
            }
            String key = (c instanceof Credential.Login ? "login:" : "secret:") + c.name();
            if (!names.add(key)) {
                throw new ConfigException("credentials", c.name(), "a unique name per credential");
            }
            if (c instanceof Credential.Login l && !logins.add(l.login().toLowerCase(java.util.Locale.ROOT))) {
                throw new ConfigException("credentials", l.login(), "an identity used by one credential only");
            }
        }
        refuseSharedSecrets(this.all);
    }

    /**
     * Two credentials with the same token, or the same Basic user and password, would both authenticate as the
     * first (issue 21, F10: a reload giving two credentials one token was accepted). Names only in the message.
     */
    private static void refuseSharedSecrets(List<Credential> all) {
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                Credential a = all.get(i);
                Credential b = all.get(j);
                boolean same = a instanceof Credential.Token ta && b instanceof Credential.Token tb && tb.token().matches(ta.token().reveal())
                        || a instanceof Credential.Basic ba && b instanceof Credential.Basic bb && ba.user().equals(bb.user())
                        && bb.password().matches(ba.password().reveal());
                if (same) {
                    throw new ConfigException("credentials " + a.name() + " and " + b.name() + " have the same "
                            + (a instanceof Credential.Token ? "token" : "Basic user and password")
                            + ": each credential needs its own secret (a client presenting it would always be " + a.name() + ")");
                }
            }
        }
    }

    /**
     * Returns the credentials {@code all}, of which those named in {@code delegating} may act on behalf of their
     * users ({@code delegate: true}: a coordinator's credential at a peer; {@link dev.hermesfront.gateway.policy.Delegation}).
     */
    public static Credentials of(List<Credential> all, Set<String> delegating) {
        return new Credentials(all, delegating);
    }

    /** Returns true when {@code c} may act on behalf of others ({@code delegate: true}). */
    public boolean delegates(Credential c) {
        return c != null && !(c instanceof Credential.Login) && delegating.contains(c.name());
    }

    /** Returns the names of the credentials that may act on behalf of others. */
    public Set<String> delegating() {
        return delegating;
    }

    /** Returns the credentials {@code all}; names must be unique. */
    public static Credentials of(List<Credential> all) {
        return new Credentials(all);
    }

    /** Returns a single token credential named {@code token}: what {@code --token T} configures. */
    public static Credentials singleToken(Secret token) {
        return of(List.of(new Credential.Token("token", token, Credential.DEFAULT_SCOPE)));
    }

    /** Returns the stable id of {@code c}, one of these credentials (see the class comment). */
    public String idOf(Credential c) {
        String id = ids.get(c);
        return id != null ? id : stableId(c);
    }

    /** Returns the credential whose stable id is {@code id}, if it is configured in this generation. */
    public Optional<Credential> byId(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(byId.get(id));
    }

    /** Computes the stable id of {@code c}: {@code cred-} and 24 hex digits of an HMAC-SHA256 of kind, name and secret. */
    static String stableId(Credential c) {
        return fingerprint(c, ID_KEY, "cred-", 12);
    }

    /**
     * Returns {@code prefix} and {@code bytes} bytes, in hex, of an HMAC-SHA256 under {@code key} of {@code c}'s kind, name
     * and secret (a login's lower-cased name): the same credential always gives the same value under the same key, one
     * re-added under its name with another secret another. Never reveals the secret. The stable id here (a key per
     * process) and the pairer key of paired devices (a key kept in the state directory) are both this.
     */
    public static String fingerprint(Credential c, byte[] key, String prefix, int bytes) {
        String material;
        if (c instanceof Credential.Token t) {
            material = "token\0" + t.name() + "\0" + t.token().reveal();
        } else if (c instanceof Credential.Basic b) {
            material = "basic\0" + b.name() + "\0" + b.user() + "\0" + b.password().reveal();
        } else {
            Credential.Login l = (Credential.Login) c;
            material = "login\0" + l.name() + "\0" + l.login().strip().toLowerCase(Locale.ROOT);
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] h = mac.doFinal(material.getBytes(StandardCharsets.UTF_8));
            return prefix + HexFormat.of().formatHex(h, 0, bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Returns every credential, in configuration order. */
    public List<Credential> all() {
        return all;
    }

    /** Returns true when no credential is configured. */
    public boolean isEmpty() {
        return all.isEmpty();
    }

    /** Returns true when at least one Basic user is configured. */
    public boolean hasBasic() {
        return all.stream().anyMatch(c -> c instanceof Credential.Basic);
    }

    /** Returns the token credential whose secret equals {@code candidate}, if any. */
    public Optional<Credential> matchToken(String candidate) {
        if (candidate == null || candidate.isEmpty()) {
            return Optional.empty();
        }
        Credential found = null;
        for (Credential c : all) {
            if (c instanceof Credential.Token t && t.token().matches(candidate) && found == null) {
                found = c;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Returns true when at least one credential has an identity (a trusted proxy's user). */
    public boolean hasLogins() {
        return all.stream().anyMatch(c -> c instanceof Credential.Login);
    }

    /** Returns the credential whose identity is {@code login} (ASCII case ignored), if any. */
    public Optional<Credential> matchLogin(String login) {
        if (login == null || login.isBlank()) {
            return Optional.empty();
        }
        String l = login.strip();
        for (Credential c : all) {
            if (c instanceof Credential.Login x && x.login().equalsIgnoreCase(l)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** Returns the Basic credential with this user and password, if any; user and password compared in constant time. */
    public Optional<Credential> matchBasic(String user, String password) {
        if (user == null || password == null) {
            return Optional.empty();
        }
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        Credential found = null;
        for (Credential c : all) {
            if (c instanceof Credential.Basic b) {
                boolean userOk = MessageDigest.isEqual(u, b.user().getBytes(StandardCharsets.UTF_8));
                boolean passOk = b.password().matches(password);
                if (userOk & passOk && found == null) {
                    found = c;
                }
            }
        }
        return Optional.ofNullable(found);
    }

    @Override
    public String toString() {
        return all.toString();
    }
}
