package dev.hermesfront.bridge.demo;

import dev.hermesfront.bridge.standin.StdioAgent;
import dev.hermesfront.bridge.threads.Threads;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs the demo agent as a stdio process ({@link StdioAgent}), like {@code python -m tui_gateway.entry}: one JSON
 * frame per line on stdin and stdout, exit 0 on stdin EOF. Used to test the process bridge with a real child.
 */
public final class DemoAgentMain {
    private DemoAgentMain() {}

    public static void main(String[] args) throws IOException {
        StdioAgent stdio = StdioAgent.open();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Threads.single("demo-timer"));
        DemoAgent agent = new DemoAgent(AgentJson.newMapper(), new FrameCodec(), timer, stdio::write);
        stdio.readUntilEof(agent::accept);
        agent.stop();
        stdio.exit(0);
    }
}
