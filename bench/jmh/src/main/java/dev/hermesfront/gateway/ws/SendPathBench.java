package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.hub.AgentHub;
import dev.hermesfront.bridge.hub.AgentRegistry;
import dev.hermesfront.bridge.hub.Connection;
import dev.hermesfront.bridge.hub.MemberSpec;
import dev.hermesfront.bridge.hub.Owner;
import dev.hermesfront.bridge.hub.Role;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's per-frame send path without the socket: agent frame into {@link AgentHub#send} (one client: the
 * hot path of the hub), into
 * {@link OutboundQueue} (bounds, one send in flight, completion), into a session whose async remote
 * completes inline, as Undertow does when the socket takes the whole frame at once. The pacing check
 * ({@code awaitWritable(0)}) that every agent reader makes per frame is included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SendPathBench {
    /** A delta in the agent's own serialization (tui-wire.md §1.3), as the stdio agent writes it. */
    private final String event = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"message.delta\", \"session_id\": \"s1\", "
            + "\"payload\": {\"text\": \"" + "x".repeat(120) + "\"}}}";
    private OutboundQueue queue;
    private AgentHub hub;
    private long sent;

    @Setup(Level.Trial)
    public void setUp() {
        RemoteEndpoint.Async remote = (RemoteEndpoint.Async) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RemoteEndpoint.Async.class}, (p, m, a) -> {
                    if (m.getName().equals("sendText") && a.length == 2 && a[1] instanceof SendHandler h) {
                        sent++;
                        h.onResult(new SendResult());
                    }
                    return null;
                });
        Session session = (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class}, (p, m, a) ->
                switch (m.getName()) {
                    case "getAsyncRemote" -> remote;
                    case "getId" -> "bench";
                    case "isOpen" -> true;
                    default -> null;
                });
        queue = new OutboundQueue(new JakartaConnection(session), 1 << 20, 8 << 20, Duration.ofSeconds(30),
                MemoryBudget.unlimited().open(), null, System::nanoTime, ChannelMetrics.NONE);
        AgentRegistry registry = new AgentRegistry(ParkingPolicy.disabled(), AgentJson.newMapper(), new FrameCodec(), MemoryBudget.unlimited());
        hub = registry.create(new Owner("bench", "bench"), true);
        hub.attach(new MemberSpec("bench", Role.OWNER, null, false), queue, Connection.NONE);
        hub.send("{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\"}}");
    }

    @Benchmark
    public boolean outboundQueueSend() {
        return queue.send(event);
    }

    @Benchmark
    public boolean hubToClient() throws InterruptedException {
        hub.awaitWritable(Duration.ZERO);
        return hub.send(event);
    }
}
