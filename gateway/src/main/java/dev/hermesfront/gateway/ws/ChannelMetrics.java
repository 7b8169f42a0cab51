package dev.hermesfront.gateway.ws;

/**
 * What the {@code /api/ws} endpoint tells metrics: connections, attaches, closes, frames relayed, agents
 * refused and clients that hit their queue's high-water mark. Called on worker and IO threads, some of it
 * once per frame: implementations are thread-safe, never block and allocate nothing per call.
 */
public interface ChannelMetrics {
    /** A handshake reached the endpoint (authenticated or not). */
    void connected();

    /** A client got an agent: a new one, or a parked one back ({@code reattached}). */
    void attached(boolean reattached);

    /** A client joined an agent that runs for another client (a second device, a share link). */
    default void joined() {}

    /** A client's connection closed with {@code code}. */
    void closed(int code);

    /** A client frame of {@code chars} UTF-16 units arrived. */
    void frameIn(int chars);

    /** A frame of {@code chars} UTF-16 units was handed to the client's socket. */
    void frameOut(int chars);

    /** No agent was started for a client: {@code max_agents}, {@code spawn_rate} or {@code start_failed}. */
    void agentRefused(String reason);

    /** A client's outbound queue passed its high-water mark and its agent's output was paced. */
    void paced();

    /** Counts nothing. */
    ChannelMetrics NONE = new ChannelMetrics() {
        @Override
        public void connected() {}

        @Override
        public void attached(boolean reattached) {}

        @Override
        public void closed(int code) {}

        @Override
        public void frameIn(int chars) {}

        @Override
        public void frameOut(int chars) {}

        @Override
        public void agentRefused(String reason) {}

        @Override
        public void paced() {}
    };
}
