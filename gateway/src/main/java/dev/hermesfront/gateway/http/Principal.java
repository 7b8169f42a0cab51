package dev.hermesfront.gateway.http;

import io.undertow.util.AttachmentKey;

/**
 * Who made a request: the name and scope of the credential that authenticated it, and how it was sent
 * ({@code bearer}, {@code session-token}, {@code basic}, {@code query}). Never holds the secret.
 */
public record Principal(String name, String scope, String via) {
    /** Exchange attachment set by {@link AuthHandler} on authenticated requests. */
    public static final AttachmentKey<Principal> KEY = AttachmentKey.create(Principal.class);
}
