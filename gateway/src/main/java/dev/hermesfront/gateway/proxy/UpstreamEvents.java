package dev.hermesfront.gateway.proxy;

/**
 * Told how each proxied request to an upstream went, so a peer's circuit breaker can count failures.
 * Called on IO threads: implementations are thread-safe and never block.
 */
public interface UpstreamEvents {
    /** No-op events, for the API server and the dashboard. */
    UpstreamEvents NONE = new UpstreamEvents() {
        @Override
        public void unavailable(String why) {}

        @Override
        public void responded() {}
    };

    /** The upstream could not be reached or closed before answering; {@code why} names it, without secrets. */
    void unavailable(String why);

    /** The upstream's response headers arrived. */
    void responded();
}
