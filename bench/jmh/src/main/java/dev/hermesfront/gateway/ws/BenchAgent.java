package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.hub.AgentHub;
import dev.hermesfront.bridge.hub.AgentRegistry;
import dev.hermesfront.bridge.hub.Connection;
import dev.hermesfront.bridge.hub.Member;
import dev.hermesfront.bridge.hub.MemberSpec;
import dev.hermesfront.bridge.hub.Owner;
import dev.hermesfront.bridge.hub.ReadyAnnouncer;
import dev.hermesfront.bridge.hub.Role;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An agent and its clients as the frame-path benchmarks use them: a hub with {@code clients} members (the first the
 * owner), each on its own {@link OutboundQueue} over a wire from {@code wires}, linked to {@code link}, its ready
 * announced. With several clients every one has submitted on session {@code s1}, so each event of that session goes
 * to all of them through the router.
 */
final class BenchAgent {
    static final String SUBMIT = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompt.submit\",\"params\":{\"session_id\":\"s1\","
            + "\"text\":\"hello\",\"n\":50,\"size\":120}}";
    static final String SUBMITTED = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"status\":\"streaming\"}}";

    /** The agent's side of the hub: what its link hands over goes here. */
    final ReadyAnnouncer agentSide;
    /** The first client, the owner. */
    final Member owner;

    private BenchAgent(ReadyAnnouncer agentSide, Member owner) {
        this.agentSide = agentSide;
        this.owner = owner;
    }

    static BenchAgent start(int clients, Supplier<OutboundQueue.Wire> wires, AgentLink link, FrameCodec codec) {
        AgentRegistry registry = new AgentRegistry(ParkingPolicy.disabled(), AgentJson.newMapper(), codec, MemoryBudget.unlimited());
        AgentHub hub = registry.create(new Owner("bench", "bench"), false);
        List<Member> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            OutboundQueue q = new OutboundQueue(wires.get(), 1 << 20, 8 << 20, Duration.ofSeconds(30), MemoryBudget.unlimited().open(),
                    null, System::nanoTime, ChannelMetrics.NONE);
            MemberSpec spec = new MemberSpec("bench", i == 0 ? Role.OWNER : Role.PARTICIPANT, null, false);
            all.add(i == 0 ? hub.attach(spec, q, Connection.NONE) : hub.join(spec, q, Connection.NONE));
        }
        hub.link(link, () -> { });
        ReadyAnnouncer agentSide = new ReadyAnnouncer(hub, AgentJson.newMapper(), false, Map.of());
        agentSide.send("{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"gateway.ready\",\"payload\":{}}}");
        if (clients > 1) {
            for (Member m : all) {
                m.send(((Decoded.Valid) codec.decode(SUBMIT)).frame());
                agentSide.send(WireFrame.of(SUBMITTED));
            }
        }
        return new BenchAgent(agentSide, all.get(0));
    }
}
