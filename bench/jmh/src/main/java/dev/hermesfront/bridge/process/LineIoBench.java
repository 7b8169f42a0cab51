package dev.hermesfront.bridge.process;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The stdio bridge's line IO: {@link LineSplitter} over a 51-line read (50 events and a response, as the stub
 * writes them), one line split across two reads, and {@link ProcessAgentLink#toLine} for a client frame.
 * In this package because both are package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LineIoBench {
    private static final int LINES = 51;
    private final LineSplitter splitter = new LineSplitter(64 << 20);
    private final byte[] chunk;
    private final byte[] firstHalf;
    private final byte[] secondHalf;
    private final String request = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompt.submit\",\"params\":{\"session_id\":\"s1\","
            + "\"text\":\"hello\",\"n\":50,\"size\":120}}";

    public LineIoBench() {
        String event = "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"message.delta\",\"session_id\":\"s1\","
                + "\"payload\":{\"text\":\"" + "x".repeat(120) + "\"}}}\n";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < LINES - 1; i++) {
            b.append(event);
        }
        b.append("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"status\":\"complete\"}}\n");
        chunk = b.toString().getBytes(StandardCharsets.UTF_8);
        byte[] one = event.getBytes(StandardCharsets.UTF_8);
        firstHalf = java.util.Arrays.copyOfRange(one, 0, 100);
        secondHalf = java.util.Arrays.copyOfRange(one, 100, one.length);
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public boolean splitPerLine(Blackhole bh) throws InterruptedException {
        return splitter.feed(chunk, chunk.length, line -> {
            bh.consume(line);
            return true;
        });
    }

    @Benchmark
    public boolean splitLineAcrossReads(Blackhole bh) throws InterruptedException {
        splitter.feed(firstHalf, firstHalf.length, line -> true);
        return splitter.feed(secondHalf, secondHalf.length, line -> {
            bh.consume(line);
            return true;
        });
    }

    @Benchmark
    public byte[] toStdinLine() {
        return ProcessAgentLink.toLine(request);
    }
}
