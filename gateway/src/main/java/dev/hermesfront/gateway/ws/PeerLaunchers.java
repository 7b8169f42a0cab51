package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentLauncher;
import java.util.Optional;

/** What {@code /peers/NAME/api/ws} needs of the coordinator's peers. Thread-safe. */
public interface PeerLaunchers {
    /** No peers. */
    PeerLaunchers NONE = new PeerLaunchers() {
        @Override
        public Optional<AgentLauncher> launcher(String name) {
            return Optional.empty();
        }

        @Override
        public String refusal(String name) {
            return null;
        }
    };

    /** Returns the relay to peer {@code name}'s /api/ws, empty when there is no peer of that name. */
    Optional<AgentLauncher> launcher(String name);

    /**
     * Returns the relay to peer {@code name}'s /api/ws for one end user: the upgrade also says who the coordinator
     * acts for ({@code onBehalf}, {@link dev.hermesfront.gateway.policy.Delegation#header}). Defaults to
     * {@link #launcher(String)}.
     */
    default Optional<AgentLauncher> launcher(String name, String onBehalf) {
        return launcher(name);
    }

    /** Returns null when the peer may be dialled now, else why not (its circuit is open). */
    String refusal(String name);
}
