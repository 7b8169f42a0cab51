package dev.hermesfront.bridge.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs the demo agent as a stdio process, like {@code python -m tui_gateway.entry}: one JSON frame
 * per line on stdin and stdout, exit 0 on stdin EOF. Used to test the process bridge with a real child.
 */
public final class DemoAgentMain {
    private DemoAgentMain() {}

    public static void main(String[] args) throws IOException {
        PrintStream stdout = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err); // like the real agent: stray prints go to stderr, stdout carries JSON only
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-timer");
            t.setDaemon(true);
            return t;
        });
        DemoAgent agent = new DemoAgent(new ObjectMapper(), new FrameCodec(), timer, line -> write(stdout, line));
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                agent.accept(line);
            }
        }
        agent.stop();
        stdout.flush();
        System.exit(0);
    }

    private static void write(OutputStream out, String line) {
        synchronized (out) {
            try {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                System.exit(0); // stdout gone: the client has left
            }
        }
    }
}
