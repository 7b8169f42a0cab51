package dev.hermesfront.gateway.policy;

/**
 * Told what the {@link Gate} decided, for metrics. Every label value is from a fixed set: carriers are
 * kinds ({@code token}, {@code basic}, …), methods are JSON-RPC methods of the scope table or HTTP methods,
 * anything else {@code other}; never a token, a path or a session id. Called on request threads (IO and
 * worker): implementations are thread-safe and cheap.
 */
public interface GateEvents {
    /** A presented credential was wrong; {@code carrier} is its kind. */
    void authFailed(String carrier);

    /** An address was locked out after too many failures. */
    void lockout();

    /** A call was refused for its scope; {@code kind} is {@code rest}, {@code ws} or {@code upgrade}. */
    void denied(String kind, String method);

    /** A call was refused because its credential's rate was spent. */
    void rateLimited(String kind);

    /** Counts nothing. */
    GateEvents NONE = new GateEvents() {
        @Override
        public void authFailed(String carrier) {}

        @Override
        public void lockout() {}

        @Override
        public void denied(String kind, String method) {}

        @Override
        public void rateLimited(String kind) {}
    };
}
