package dev.hermesfront.gateway.proxy;

/** Which loopback service a route goes to; decides the error style and the inner credential. */
public enum UpstreamKind {
    /** The OpenAI-compatible API server: errors in the OpenAI envelope, {@code Authorization: Bearer KEY} injected. */
    API("Hermes API server", "server_error"),
    /** The dashboard: {@code X-Hermes-Session-Token} (and {@code ?token=} on sockets) injected. */
    DASHBOARD("Hermes dashboard", null),
    /** Another hermes-front (a coordinator's peer): the peer's own credential injected as {@code Authorization}. */
    PEER("peer", null);

    private final String label;
    private final String errorType;

    UpstreamKind(String label, String errorType) {
        this.label = label;
        this.errorType = errorType;
    }

    /** Returns the human name used in error messages. */
    public String label() {
        return label;
    }

    /** Returns the OpenAI error {@code type} for our errors on these routes, or null for the plain shape. */
    String errorType() {
        return errorType;
    }
}
