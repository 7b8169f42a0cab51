package dev.hermesfront.bridge.hub;

import static java.util.Objects.requireNonNull;

/**
 * Who an agent belongs to.
 *
 * @param credential the name of the credential that started it (never its secret), for display and audit
 * @param principal  what parking is keyed by: the owner's stable source, plus the route for a peer relay
 *                   ({@code SOURCE@peer:studio}); never a bare name a reload could hand to another credential
 * @param source     the stable reference of the grant that owns it (the gateway's {@code Grant.Ref.key()}: kind and
 *                   id, e.g. {@code CREDENTIAL:cred-…}); ownership checks and reload re-validation compare this, never
 *                   the name
 */
public record Owner(String credential, String principal, String source) {
    public Owner {
        requireNonNull(credential, "credential");
        requireNonNull(principal, "principal");
        requireNonNull(source, "source");
    }

    /** An owner whose source is its principal (tests and tools without grants). */
    public Owner(String credential, String principal) {
        this(credential, principal, principal);
    }
}
