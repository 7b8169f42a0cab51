package dev.hermesfront.bridge.current;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/**
 * Runs the {@link CurrentWireAgent} as a stdio agent, like {@code python -m tui_gateway.entry} of the current
 * upstream: one JSON frame per line on stdin and stdout, exit 0 on stdin EOF. Its triggers are listed on
 * {@link CurrentWireAgent}.
 *
 * <pre>hermes-front serve --agent-cmd "java -cp hermes-front.jar dev.hermesfront.bridge.current.CurrentWireAgentMain"</pre>
 *
 * <p>{@code --shared-session} gives the {@code shared_session} ready shape and the shared-session wire v1
 * ({@link CurrentWireAgent.Ready#SHARED_SESSION}).
 */
public final class CurrentWireAgentMain {
    private CurrentWireAgentMain() {}

    public static void main(String[] args) throws IOException {
        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err); // stdout carries JSON only
        CurrentWireAgent agent = new CurrentWireAgent(new ObjectMapper(), new FrameCodec(), new SecureRandom(),
                Clock.systemUTC(), List.of(args).contains("--shared-session") ? CurrentWireAgent.Ready.SHARED_SESSION
                        : CurrentWireAgent.Ready.V1_9EB0, line -> write(stdout, line));
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
        try {
            out.write(line.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            System.exit(0); // stdout gone: the client has left
        }
    }
}
