package dev.hermesfront.gateway.policy;

import static java.util.Objects.requireNonNull;

import dev.hermesfront.gateway.config.Scope;
import java.util.Optional;

/**
 * One authority the front hands out, and the one model every kind of it follows (issue 21): a grant names its
 * <b>source</b> (the principal it derives from, by a stable reference, never by a name a reload can reuse) and its
 * own <b>cap</b>. What it may do is never stored: {@link Grants#effective} computes it on every use (attach, every
 * frame, every REST call) from the <em>current</em> configuration generation as
 * {@code min(cap, the source's current effective scope)}, and, for a grant that has a live record of its own (a
 * share link, a paired device), only while that record is live. A removed source kills every grant derived from it;
 * a narrowed one caps them; a revoked or expired grant is gone, and so is everything derived from it.
 *
 * <p>Kinds and their sources:
 * <ul>
 *   <li>{@link Kind#CREDENTIAL}: a configured credential. A <em>root</em>: its source is itself
 *       ({@link #isRoot}), its cap the credential's configured scope, looked up by the credential's stable id
 *       ({@link dev.hermesfront.gateway.config.Credentials#idOf}) in the current generation.</li>
 *   <li>{@link Kind#TICKET}: a single-use WebSocket ticket; source: the grant that minted it (a credential, a
 *       device, a delegated principal); cap: the minter's effective scope when minted.</li>
 *   <li>{@link Kind#SHARE}: a share link; source: the minter's grant; cap: {@code read} for a viewer, at most
 *       {@code chat} for a participant; bound to one agent ({@link #agent}); its live record is the share book's.</li>
 *   <li>{@link Kind#DELEGATED}: an end user a coordinator relays for ({@code coord/alice}); source: the delegating
 *       credential; cap: the asserted scope.</li>
 *   <li>{@link Kind#DEVICE}: a paired device; source: the credential that paired it; cap: the scope it was paired
 *       with.</li>
 * </ul>
 *
 * <p>Plugging in a kind: the code that owns the kind's records registers a {@link Grants.Lookup} for it
 * ({@link Grants#register}); the lookup returns the live grant for an id, or empty when it is gone (revoked,
 * expired, unpaired). {@link Grants} resolves sources through these lookups, recursively (bounded depth), so a
 * ticket minted by a device follows the device, which follows its credential. A derived kind without a lookup
 * (tickets: consumed at attach) is live for as long as its source is.
 *
 * <p>Making a grant: {@link #credential} for a root, {@link #derive} for anything minted from an authenticated
 * grant (the source is then the minter's {@link #ref()}).
 *
 * @param kind   what it is
 * @param id     its own stable id: unique within its kind (a credential's stable id, a share id, a device id …)
 * @param source the principal it derives from; {@link #ref()} itself for a root
 * @param cap    the most it may ever do, whatever its source may
 * @param agent  the one agent it opens (a share link), empty for any
 */
public record Grant(Kind kind, String id, Ref source, Scope cap, Optional<String> agent) {
    /** What a grant is. Other kinds may be added; a kind's records are resolved through its {@link Grants.Lookup}. */
    public enum Kind {
        /** A configured credential (a root). */
        CREDENTIAL,
        /** A single-use WebSocket ticket. */
        TICKET,
        /** A share link to one agent. */
        SHARE,
        /** An end user a coordinator relays for. */
        DELEGATED,
        /** A paired device. */
        DEVICE
    }

    /** A stable reference to a grant: its kind and id. Never a secret, but not written to logs either. */
    public record Ref(Kind kind, String id) {
        public Ref {
            requireNonNull(kind, "kind");
            requireNonNull(id, "id");
        }

        /** Returns {@code KIND:id}: how code that cannot hold a {@code Ref} (the hub's {@code Owner.source}) names it. */
        public String key() {
            return kind.name() + ":" + id;
        }

        /** Parses {@link #key()}; empty for anything else. */
        public static java.util.Optional<Ref> parse(String key) {
            int colon = key == null ? -1 : key.indexOf(':');
            if (colon <= 0) {
                return java.util.Optional.empty();
            }
            for (Kind k : Kind.values()) {
                if (k.name().equals(key.substring(0, colon))) {
                    return java.util.Optional.of(new Ref(k, key.substring(colon + 1)));
                }
            }
            return java.util.Optional.empty();
        }
    }

    public Grant {
        requireNonNull(kind, "kind");
        requireNonNull(id, "id");
        requireNonNull(source, "source");
        requireNonNull(cap, "cap");
        requireNonNull(agent, "agent");
    }

    /** Returns the root grant of a configured credential: itself as its source, its configured scope as its cap. */
    public static Grant credential(String credentialId, Scope scope) {
        return new Grant(Kind.CREDENTIAL, credentialId, new Ref(Kind.CREDENTIAL, credentialId), scope, Optional.empty());
    }

    /** Returns a grant of {@code kind} minted from this one: this grant is its source. */
    public Grant derive(Kind kind, String id, Scope cap, Optional<String> agent) {
        return new Grant(kind, id, ref(), cap, agent);
    }

    /** Returns the reference others derived from this grant name it by. */
    public Ref ref() {
        return new Ref(kind, id);
    }

    /**
     * Returns the reference of the principal that owns what this grant starts (an agent, parking): the grant itself,
     * except a ticket, which is consumed at attach and stands for its source.
     */
    public Ref owner() {
        return kind == Kind.TICKET ? source : ref();
    }

    /** Returns true for a root: a grant that is its own source (a configured credential). */
    public boolean isRoot() {
        return source.kind() == kind && source.id().equals(id);
    }

    @Override
    public String toString() {
        return "Grant[" + kind + "]"; // ids stay out of logs
    }
}
