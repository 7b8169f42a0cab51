package dev.hermesfront.bridge.current;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.InProcessAgentLink;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the {@link CurrentWireAgent} in-process, one instance (one replay epoch) per client, for gateway and
 * conformance tests of the current wire. It also notes what reached its agents, without payloads, so that a
 * test can assert that a frame the gateway should answer itself (a {@code gateway.ping}) never got there.
 * Thread-safe.
 */
public final class CurrentWireLauncher implements AgentLauncher {
    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final List<CurrentWireAgent> agents = new ArrayList<>();
    private final List<String> received = new ArrayList<>();
    /** What the agents wrote, in order (the first {@link #KEPT} frames), so that a test can compare bytes. */
    private final List<String> written = new ArrayList<>();
    private final CurrentWireAgent.Ready shape;
    private static final int KEPT = 10_000;

    public CurrentWireLauncher(ObjectMapper mapper, FrameCodec codec) {
        this(mapper, codec, CurrentWireAgent.Ready.V1_9EB0);
    }

    /** A launcher whose agents have the given ready shape (the shared-session one speaks the shared-session wire v1). */
    public CurrentWireLauncher(ObjectMapper mapper, FrameCodec codec, CurrentWireAgent.Ready shape) {
        this.mapper = mapper;
        this.codec = codec;
        this.shape = shape;
    }

    @Override
    public AgentLink open(ClientSink sink) {
        CurrentWireAgent agent = new CurrentWireAgent(mapper, codec, new SecureRandom(), Clock.systemUTC(), shape, frame -> {
            synchronized (this) {
                if (written.size() < KEPT) {
                    written.add(frame);
                }
            }
            sink.send(frame);
        });
        int n;
        synchronized (this) {
            agents.add(agent);
            n = agents.size();
        }
        String description = "current-wire stand-in " + n;
        return InProcessAgentLink.of(description, frame -> {
            note(frame);
            agent.accept(frame);
        }, agent::stop);
    }

    /** Returns every frame the agents wrote, in order (the first 10,000). */
    public synchronized List<String> written() {
        return List.copyOf(written);
    }

    /** Returns how many agents were started. */
    public synchronized int opened() {
        return agents.size();
    }

    /**
     * Returns what reached the agents, in order: the method of each call, {@code response <id>} for an answer to a
     * server→client request, {@code invalid} for anything else. Never payloads (answers may carry secrets).
     */
    public synchronized List<String> received() {
        return List.copyOf(received);
    }

    private void note(String frame) {
        String what = "invalid";
        if (codec.decode(frame) instanceof Decoded.Valid v) {
            FrameKind k = v.frame().kind();
            what = k == FrameKind.RESPONSE || k == FrameKind.ERROR ? "response " + v.frame().replyId().json()
                    : v.frame().method() == null ? "invalid" : v.frame().method();
        }
        synchronized (this) {
            received.add(what);
        }
    }

    @Override
    public String kind() {
        return "current-wire stand-in";
    }

    @Override
    public void close() {
        List<CurrentWireAgent> all;
        synchronized (this) {
            all = List.copyOf(agents);
        }
        all.forEach(CurrentWireAgent::stop);
    }
}
