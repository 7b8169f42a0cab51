package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.hub.AgentHub;
import dev.hermesfront.bridge.hub.Member;
import dev.hermesfront.bridge.hub.ReadyAnnouncer;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The frame path through the front without sockets, per frame, with {@code -prof gc} for the allocation per frame:
 *
 * <ul>
 *   <li>{@link #agentToClient}: an agent frame as it arrived (the bytes of the pooled buffer a WebSocket read
 *       filled) → {@link WireFrame} → {@link ReadyAnnouncer} → {@link AgentHub} (one client: the pipe; three clients:
 *       routed by the head) → each client's {@link OutboundQueue} → a wire that takes the bytes and completes inline,
 *       as Undertow does when the socket takes the whole frame at once;</li>
 *   <li>{@link #agentToClientAsText}: the same through the String contract this replaced: the bytes decoded into a
 *       String on the way in and encoded again on the way out (what the front did per frame before);</li>
 *   <li>{@link #clientCallAndAnswer}: a client frame as the Jakarta endpoint hands it over (text) → {@link FrameCodec}
 *       (policy needs the method, id and session) → {@link Member#send} → the hub (id registered) → an agent link that
 *       takes a copy of the bytes, as the upstream link does for its masking client; then the agent's answer as bytes
 *       → the hub (the call settled, the answer routed by its head) → the client. A call is measured with its answer:
 *       unanswered calls would pile up in the hub's id table, which no real client does. A {@code prompt.submit}
 *       enters the hub's router even from a client alone (it names the session's submitter);</li>
 *   <li>{@link #clientPlainCallAndAnswer}: the same with a call that needs only its id registered
 *       ({@code config.get}): with one client it never enters the router, either way (the hub's fast path).</li>
 * </ul>
 * The pacing check ({@code whenWritable}) a link makes per frame is included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx256m"})
public class FramePathBench {
    /** Connected clients of the agent: 1 (the pipe) or 3 (the router). */
    @Param({"1", "3"})
    public int clients;

    /** A delta as the bench's backend writes it (compact JSON, 120 characters of text), as bytes off the socket. */
    private final byte[] event = ("{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"message.delta\",\"session_id\":\"s1\","
            + "\"payload\":{\"text\":\"" + "x".repeat(120) + "\"}}}").getBytes(StandardCharsets.UTF_8);
    private final String request = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompt.submit\",\"params\":{\"session_id\":\"s1\","
            + "\"text\":\"hello\",\"n\":50,\"size\":120}}";
    private final String plainRequest = "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"config.get\",\"params\":{\"key\":\"full\"}}";
    private final ByteBuffer plainAnswer = ByteBuffer.allocateDirect(256);
    private final ByteBuffer pooled = ByteBuffer.allocateDirect(4096);
    private final ByteBuffer answer = ByteBuffer.allocateDirect(256);
    private final FrameCodec codec = new FrameCodec();
    private ReadyAnnouncer agentSide;
    private Member member;
    private long written;

    /** The socket: takes the frame's bytes and completes at once. */
    private final class InlineWire implements OutboundQueue.Wire {
        @Override
        public String id() {
            return "bench";
        }

        @Override
        public void sendText(WireFrame frame, SendHandler handler) {
            written += frame.buffer().remaining();
            handler.onResult(new SendResult());
        }

        @Override
        public void close(CloseReason reason) {
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        pooled.put(event).flip();
        answer.put("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"status\":\"streaming\"}}".getBytes(StandardCharsets.UTF_8)).flip();
        plainAnswer.put("{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{\"config\":{}}}".getBytes(StandardCharsets.UTF_8)).flip();
        BenchAgent agent = BenchAgent.start(clients, InlineWire::new, new AgentLink() {
            @Override
            public boolean send(WireFrame frame) {
                written += frame.copyBytes().length;
                return true;
            }

            @Override
            public void close() {
            }

            @Override
            public String describe() {
                return "bench";
            }
        }, codec);
        agentSide = agent.agentSide;
        member = agent.owner;
    }

    @Benchmark
    public boolean agentToClient() {
        WireFrame f = WireFrame.ofUtf8(pooled);
        boolean ok = agentSide.send(f);
        agentSide.whenWritable(() -> { });
        return ok;
    }

    @Benchmark
    public boolean agentToClientAsText() {
        // Before: the upstream leg decoded every text frame into a String, the client leg encoded it again.
        byte[] b = new byte[pooled.remaining()];
        pooled.duplicate().get(b);
        String text = new String(b, StandardCharsets.UTF_8);
        boolean ok = agentSide.send(WireFrame.of(text));
        agentSide.whenWritable(() -> { });
        return ok;
    }

    @Benchmark
    public boolean clientCallAndAnswer() {
        member.send(((Decoded.Valid) codec.decode(request)).frame());
        return agentSide.send(WireFrame.ofUtf8(answer));
    }

    @Benchmark
    public boolean clientPlainCallAndAnswer() {
        member.send(((Decoded.Valid) codec.decode(plainRequest)).frame());
        return agentSide.send(WireFrame.ofUtf8(plainAnswer));
    }
}
