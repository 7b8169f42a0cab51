package dev.hermesfront.bridge.current;

import dev.hermesfront.bridge.standin.StdioAgent;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * Runs the {@link CurrentWireAgent} as a stdio agent, like {@code python -m tui_gateway.entry} of the current
 * upstream: one JSON frame per line on stdin and stdout, exit 0 on stdin EOF. Its triggers are listed on
 * {@link CurrentWireAgent}.
 *
 * <pre>hermes-front serve --agent-cmd "java -cp hermes-front.jar dev.hermesfront.bridge.current.CurrentWireAgentMain"</pre>
 */
public final class CurrentWireAgentMain {
    private CurrentWireAgentMain() {}

    public static void main(String[] args) throws IOException {
        StdioAgent stdio = StdioAgent.open();
        CurrentWireAgent agent = new CurrentWireAgent(AgentJson.newMapper(), new FrameCodec(), new SecureRandom(), Clock.systemUTC(),
                stdio::write);
        stdio.readUntilEof(agent::accept);
        agent.stop();
        stdio.exit(0);
    }
}
