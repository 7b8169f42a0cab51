package dev.hermesfront.gateway.proxy;

/**
 * The fixed, non-secret value that takes the place of the dashboard's session token in the pages the
 * front relays ({@code window.__HERMES_SESSION_TOKEN__}), so the token never leaves the loopback hop
 * (issue 11). The dashboard's page then sends it back as {@code X-Hermes-Session-Token} and as
 * {@code ?token=} on its sockets; the proxy strips both and injects the real token. An authentication
 * layer must treat this value as "no credential".
 */
public final class DashboardTokenPlaceholder {
    /** The placeholder. */
    public static final String VALUE = "hermes-front-dashboard";

    private DashboardTokenPlaceholder() {}
}
