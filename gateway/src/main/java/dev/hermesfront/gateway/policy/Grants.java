package dev.hermesfront.gateway.policy;

import dev.hermesfront.gateway.config.Scope;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves a {@link Grant}'s authority from its source, now: the one place that says what a grant may do.
 * {@link #effective} is {@code min(cap, the source's current effective scope)}, recursively up to a root (a
 * configured credential, looked up in the current configuration generation), and empty as soon as anything on the
 * way is gone: the credential removed (or re-added with another secret: another stable id), the share link revoked
 * or expired, the device unpaired. The {@link Gate} asks it on every use; nothing caches a grant's scope.
 *
 * <p>Each kind with live records registers a {@link Lookup} ({@link #register}); the {@link Grant.Kind#CREDENTIAL}
 * lookup is the Gate's own (the current credentials). A derived kind without a lookup (a consumed ticket) stands
 * for as long as its source does. Lookups are called on request and frame threads: they must be cheap, never block,
 * and never call back into a lock the caller may hold. Thread-safe: lookups may be registered at any time.
 */
public final class Grants {
    /** How deep a chain of grants may be (credential → device → ticket is 3); deeper chains resolve to nothing. */
    static final int MAX_DEPTH = 8;

    /** Finds the live grant of one kind by its id. */
    @FunctionalInterface
    public interface Lookup {
        /** Returns the live grant {@code id} names, or empty when there is none now (removed, revoked, expired). */
        Optional<Grant> find(String id);
    }

    /** Copied on write: read on every frame without a lock. */
    private volatile Map<Grant.Kind, Lookup> lookups;

    /** @param credentials the current configured credentials' root grants, by stable id */
    public Grants(Lookup credentials) {
        Map<Grant.Kind, Lookup> m = new EnumMap<>(Grant.Kind.class);
        m.put(Grant.Kind.CREDENTIAL, credentials);
        lookups = m;
    }

    /** Registers (or replaces) the lookup of {@code kind}'s live records; the credential lookup cannot be replaced. */
    public synchronized void register(Grant.Kind kind, Lookup lookup) {
        if (kind == Grant.Kind.CREDENTIAL) {
            throw new IllegalArgumentException("credentials are resolved by the gate");
        }
        Map<Grant.Kind, Lookup> m = new EnumMap<>(lookups);
        m.put(kind, lookup);
        lookups = m;
    }

    private Lookup lookup(Grant.Kind kind) {
        return lookups.get(kind);
    }

    /**
     * Returns what {@code g} may do now: its cap, lowered to its live record's cap (when its kind has one) and to its
     * source's current effective scope; empty when it or anything it derives from is gone.
     */
    public Optional<Scope> effective(Grant g) {
        return effective(g, 0);
    }

    /** Returns the current effective scope of the grant {@code ref} names, or empty when it is gone. */
    public Optional<Scope> current(Grant.Ref ref) {
        return live(ref).flatMap(g -> effective(g, 1));
    }

    /** Returns true while {@code g} and everything it derives from stand. */
    public boolean alive(Grant g) {
        return effective(g).isPresent();
    }

    private Optional<Grant> live(Grant.Ref ref) {
        Lookup l = lookup(ref.kind());
        return l == null ? Optional.empty() : l.find(ref.id());
    }

    private Optional<Scope> effective(Grant g, int depth) {
        if (depth > MAX_DEPTH) {
            return Optional.empty();
        }
        Scope cap = g.cap();
        Lookup own = lookup(g.kind());
        if (own != null) {
            // Its own record must still be live (a share not revoked, a credential still configured with this secret).
            Optional<Grant> rec = own.find(g.id());
            if (rec.isEmpty()) {
                return Optional.empty();
            }
            cap = min(cap, rec.get().cap());
            if (rec.get().isRoot()) {
                return Optional.of(cap);
            }
        } else if (g.isRoot()) {
            return Optional.empty(); // a root whose kind nobody resolves stands for nothing
        }
        Optional<Grant> src = live(g.source());
        if (src.isEmpty()) {
            return Optional.empty();
        }
        Optional<Scope> s = effective(src.get(), depth + 1);
        Scope c = cap;
        return s.map(x -> min(c, x));
    }

    /** Returns the lower of two scopes. */
    public static Scope min(Scope a, Scope b) {
        return a.covers(b) ? b : a;
    }
}
