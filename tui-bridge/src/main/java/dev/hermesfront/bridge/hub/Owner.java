package dev.hermesfront.bridge.hub;

import static java.util.Objects.requireNonNull;

/**
 * Who an agent belongs to.
 *
 * @param credential the name of the credential that started it (never its secret)
 * @param principal  what parking is keyed by: the credential, plus the route for a peer relay ({@code name@peer:studio})
 */
public record Owner(String credential, String principal) {
    public Owner {
        requireNonNull(credential, "credential");
        requireNonNull(principal, "principal");
    }
}
