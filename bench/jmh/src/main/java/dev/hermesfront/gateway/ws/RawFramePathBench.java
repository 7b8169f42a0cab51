package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.hub.Member;
import dev.hermesfront.bridge.hub.ReadyAnnouncer;
import dev.hermesfront.gateway.ws.raw.WsFrameReader;
import dev.hermesfront.gateway.ws.raw.WsFrames;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The raw engine's frame path without sockets, per frame, with {@code -prof gc} for the allocation per frame. Where
 * {@link FramePathBench} starts from a frame's bytes, this starts from the bytes of a read: the RFC 6455 framing is
 * in the measurement.
 *
 * <ul>
 *   <li>{@link #upstreamBurstToClient}: one read round of the upstream (the bench backend's burst: 50
 *       {@code message.delta} server frames of 120 characters, unmasked, in one buffer) → {@link WsFrameReader}
 *       (client role: one {@link WireFrame} per message, its payload copied out of the read buffer) → the hub (one
 *       client: the pipe; three: the router) → each client's {@link OutboundQueue} → a wire that frames it as the raw
 *       client leg does ({@code RawWsConnection.sendText}: a frame under 1 KiB copied behind its header into one
 *       buffer) and completes at once. Reported per frame (the operation is the 50-frame round);</li>
 *   <li>{@link #clientFrameToAgent}: a client's masked call as the TUI sends it → {@link WsFrameReader} (server role:
 *       unmasked, UTF-8 checked once) → {@link FrameCodec} (policy needs method, id and params) → {@link Member#send}
 *       → the hub → an agent link that frames it as the raw upstream leg does (masked copy); then the agent's answer
 *       as a server frame back through the reader, the hub and the client's wire.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx256m"})
public class RawFramePathBench {
    static final int BURST = 50;

    /** Connected clients of the agent: 1 (the pipe) or 3 (the router). */
    @Param({"1", "3"})
    public int clients;

    private final FrameCodec codec = new FrameCodec();
    private final ByteBuffer burst = ByteBuffer.allocateDirect(16 << 10);
    private final ByteBuffer call = ByteBuffer.allocateDirect(512);
    private final ByteBuffer answer = ByteBuffer.allocateDirect(256);
    private final WsFrameReader upstream = new WsFrameReader(false, 1 << 20);
    private final WsFrameReader client = new WsFrameReader(true, 1 << 20);
    private ReadyAnnouncer agentSide;
    private Member member;
    private long written;
    private final WsFrameReader.Handler toHub = new WsFrameReader.Handler() {
        @Override
        public void text(WireFrame frame) {
            agentSide.send(frame);
        }

        @Override
        public void ping(byte[] payload) {
        }

        @Override
        public void close(int code, String reason) {
        }
    };
    private final WsFrameReader.Handler toMember = new WsFrameReader.Handler() {
        @Override
        public void text(WireFrame frame) {
            // the raw client leg hands the endpoint the frame; policy decodes it once
            member.send(((Decoded.Valid) codec.decode(frame.text())).frame());
        }

        @Override
        public void ping(byte[] payload) {
        }

        @Override
        public void close(int code, String reason) {
        }
    };

    /** The client's socket as the raw engine writes to it: header and small payload in one buffer; completes at once. */
    private final class RawWire implements OutboundQueue.Wire {
        private final SendResult ok = new SendResult();

        @Override
        public String id() {
            return "bench";
        }

        @Override
        public void sendText(WireFrame frame, SendHandler handler) {
            int len = frame.length();
            ByteBuffer b = ByteBuffer.allocate(WsFrames.headerLength(len, false) + len);
            WsFrames.writeHeader(b, true, WsFrames.TEXT, len, false, 0);
            frame.copyTo(b);
            b.flip();
            written += b.remaining();
            handler.onResult(ok);
        }

        @Override
        public void close(CloseReason reason) {
        }
    }

    private static void serverFrame(ByteBuffer dst, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        WsFrames.writeHeader(dst, true, WsFrames.TEXT, b.length, false, 0);
        dst.put(b);
    }

    @Setup(Level.Trial)
    public void setUp() {
        String delta = "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"message.delta\",\"session_id\":\"s1\","
                + "\"payload\":{\"text\":\"" + "x".repeat(120) + "\"}}}";
        for (int i = 0; i < BURST; i++) {
            serverFrame(burst, delta);
        }
        burst.flip();
        byte[] c = ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompt.submit\",\"params\":{\"session_id\":\"s1\","
                + "\"text\":\"hello\",\"n\":50,\"size\":120}}").getBytes(StandardCharsets.UTF_8);
        int key = 0x5a17c3e1;
        int h = WsFrames.headerLength(c.length, true);
        ByteBuffer masked = ByteBuffer.allocate(h + c.length);
        WsFrames.writeHeader(masked, true, WsFrames.TEXT, c.length, true, key);
        masked.put(c);
        WsFrames.mask(masked.array(), h, c.length, key, 0);
        masked.flip();
        call.put(masked).flip();
        serverFrame(answer, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"status\":\"streaming\"}}");
        answer.flip();

        BenchAgent agent = BenchAgent.start(clients, RawWire::new, new AgentLink() {
            @Override
            public boolean send(WireFrame frame) {
                // the raw upstream leg: a masked copy behind its header
                int len = frame.length();
                int h = WsFrames.headerLength(len, true);
                ByteBuffer b = ByteBuffer.allocate(h + len);
                WsFrames.writeHeader(b, true, WsFrames.TEXT, len, true, 0x1234abcd);
                frame.copyTo(b);
                WsFrames.mask(b.array(), h, len, 0x1234abcd, 0);
                written += b.position();
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
    @OperationsPerInvocation(BURST)
    public long upstreamBurstToClient() throws WsFrameReader.ProtocolException {
        burst.position(0);
        upstream.feed(burst, toHub);
        return written;
    }

    @Benchmark
    public long clientFrameToAgent() throws WsFrameReader.ProtocolException {
        call.position(0);
        client.feed(call, toMember);
        answer.position(0);
        upstream.feed(answer, toHub);
        return written;
    }
}
