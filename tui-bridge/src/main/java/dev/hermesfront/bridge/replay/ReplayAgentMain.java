package dev.hermesfront.bridge.replay;

import dev.hermesfront.bridge.standin.StdioAgent;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.Transcript;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Runs a transcript's agent side as a stdio agent, for {@code hermes-front serve --agent-cmd}: one JSON
 * frame per line on stdin and stdout like {@code python -m tui_gateway.entry}, exit 0 on stdin EOF.
 *
 * <pre>java -cp hermes-front.jar dev.hermesfront.bridge.replay.ReplayAgentMain FILE [--conn LABEL] [--exit-at-eof STATUS]</pre>
 *
 * <p>{@code --conn} picks one recorded connection (default: the first); every process plays the same one,
 * so a transcript with a reconnect needs the in-process {@link ReplayLauncher}. {@code --exit-at-eof}
 * makes the process exit with that status at a recorded {@code eof} (a crash). Client frames that differ
 * from the recording are reported on stderr.
 */
public final class ReplayAgentMain {
    private ReplayAgentMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.println("usage: ReplayAgentMain FILE [--conn LABEL] [--exit-at-eof STATUS]");
            System.exit(2);
        }
        Transcript transcript = Transcript.read(Path.of(args[0]));
        List<String> conns = transcript.connections();
        String conn = conns.isEmpty() ? "" : conns.get(0);
        OptionalInt exitAtEof = OptionalInt.empty();
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--conn" -> conn = args[i + 1];
                case "--exit-at-eof" -> exitAtEof = OptionalInt.of(Integer.parseInt(args[i + 1]));
                default -> {
                    System.err.println("ReplayAgentMain: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        StdioAgent stdio = StdioAgent.open();
        ReplayScript script = ReplayScript.of(transcript, conn, exitAtEof, new FrameCodec());
        ReplayAgent agent = new ReplayAgent(script, stdio::write, stdio::exit);
        agent.start();
        stdio.readUntilEof(line -> {
            if (!line.isBlank()) {
                agent.accept(line);
            }
        });
        agent.mismatches().forEach(m -> System.err.println("replay " + transcript.name() + ": " + m));
        stdio.exit(0);
    }
}
