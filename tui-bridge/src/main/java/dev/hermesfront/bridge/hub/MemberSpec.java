package dev.hermesfront.bridge.hub;

import static java.util.Objects.requireNonNull;

/**
 * Who is attaching to an agent, as the endpoint authenticated it.
 *
 * @param name     the credential's name, or {@code share:ID} for a share token
 * @param role     the role on this agent
 * @param shareId  the share the client came in with, or null
 * @param announce add the front's announcement to the ready frame ({@code ?resume=} asked for it)
 */
public record MemberSpec(String name, Role role, String shareId, boolean announce) {
    public MemberSpec {
        requireNonNull(name, "name");
        requireNonNull(role, "role");
    }
}
