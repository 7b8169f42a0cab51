package dev.hermesfront.bridge;

import static java.util.Objects.requireNonNull;

import dev.hermesfront.protocol.WireFrame;
import java.util.function.Consumer;

/**
 * The link to an agent that runs in this process (the demo agent, the stand-ins): each frame is handed to the agent as
 * text, on the caller's thread, and always taken; closing stops the agent. The in-process launchers share it rather
 * than each writing the same anonymous {@link AgentLink}.
 */
public final class InProcessAgentLink implements AgentLink {
    private final String description;
    private final Consumer<String> agent;
    private final Runnable stop;

    private InProcessAgentLink(String description, Consumer<String> agent, Runnable stop) {
        this.description = requireNonNull(description, "description");
        this.agent = requireNonNull(agent, "agent");
        this.stop = requireNonNull(stop, "stop");
    }

    /**
     * @param description what {@link #describe()} says (never a secret)
     * @param agent       takes each frame the clients send, as text
     * @param stop        stops the agent (idempotent)
     */
    public static AgentLink of(String description, Consumer<String> agent, Runnable stop) {
        return new InProcessAgentLink(description, agent, stop);
    }

    @Override
    public boolean send(WireFrame frame) {
        agent.accept(frame.text());
        return true;
    }

    @Override
    public void close() {
        stop.run();
    }

    @Override
    public String describe() {
        return description;
    }
}
