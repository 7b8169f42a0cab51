package dev.hermesfront.bench;

import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Classifies the frames of the end-to-end bench: a client request and a ~215 B agent event. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameCodecBench {
    private final FrameCodec codec = new FrameCodec();
    private final String request = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompt.submit\",\"params\":{\"session_id\":\"s1\","
            + "\"text\":\"hello\",\"n\":50,\"size\":120}}";
    private final String event = "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"message.delta\",\"session_id\":\"s1\","
            + "\"payload\":{\"text\":\"" + "x".repeat(120) + "\"}}}";

    @Benchmark
    public Decoded decodeRequest() {
        return codec.decode(request);
    }

    @Benchmark
    public Decoded decodeEvent() {
        return codec.decode(event);
    }
}
