package dev.hermesfront.bridge.current;

import dev.hermesfront.bridge.standin.StdioAgent;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/**
 * Runs the {@link CurrentWireAgent} as a stdio agent, like {@code python -m tui_gateway.entry} of the current
 * upstream: one JSON frame per line on stdin and stdout, exit 0 on stdin EOF. Its triggers are listed on
 * {@link CurrentWireAgent}.
 *
 * <pre>hermes-front serve --agent-cmd "java -cp hermes-front.jar dev.hermesfront.bridge.current.CurrentWireAgentMain"</pre>
 *
 * <p>{@code --shared-session} gives the {@code shared_session} ready shape and the shared-session wire v1
 * ({@link CurrentWireAgent.Ready#SHARED_SESSION}).
 */
public final class CurrentWireAgentMain {
    private CurrentWireAgentMain() {}

    public static void main(String[] args) throws IOException {
        StdioAgent stdio = StdioAgent.open();
        CurrentWireAgent agent = new CurrentWireAgent(AgentJson.newMapper(), new FrameCodec(), new SecureRandom(), Clock.systemUTC(),
                List.of(args).contains("--shared-session") ? CurrentWireAgent.Ready.SHARED_SESSION : CurrentWireAgent.Ready.V1_9EB0,
                stdio::write);
        stdio.readUntilEof(agent::accept);
        agent.stop();
        stdio.exit(0);
    }
}
