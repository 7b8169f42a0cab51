package dev.hermesfront.bridge.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.InProcessAgentLink;
import dev.hermesfront.bridge.threads.Threads;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs the {@link DemoAgent} in-process, one instance per client, all paced by one small shared
 * timer. The default agent of {@code hermes-front demo}: nothing else needs to be installed.
 */
public final class DemoLauncher implements AgentLauncher {
    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final ScheduledExecutorService timer;

    public DemoLauncher(ObjectMapper mapper, FrameCodec codec) {
        this.mapper = mapper;
        this.codec = codec;
        this.timer = Executors.newScheduledThreadPool(2, Threads.named("demo-agent"));
    }

    @Override
    public AgentLink open(ClientSink sink) {
        DemoAgent agent = new DemoAgent(mapper, codec, timer, sink::send);
        return InProcessAgentLink.of("demo agent", agent::accept, agent::stop);
    }

    @Override
    public String kind() {
        return "demo";
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
