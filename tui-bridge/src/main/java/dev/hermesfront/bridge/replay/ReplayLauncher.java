package dev.hermesfront.bridge.replay;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.Transcript;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Plays a recorded transcript as the agent behind the gateway, in-process: the n-th client to attach gets
 * the n-th recorded connection ({@code conn} labels in order of first appearance). Used to check the whole
 * path client → gateway → agent → gateway → client without the real agent.
 *
 * <p>Thread-safe. {@link #mismatches()} lists every client frame that reached the agent differently
 * from the recording (the gateway must forward them untouched, tui-wire.md §8).
 */
public final class ReplayLauncher implements AgentLauncher {
    private final Transcript transcript;
    private final OptionalInt exitAtEof;
    private final FrameCodec codec;
    private final List<ReplayAgent> agents = new ArrayList<>();

    private ReplayLauncher(Transcript transcript, OptionalInt exitAtEof, FrameCodec codec) {
        this.transcript = transcript;
        this.exitAtEof = exitAtEof;
        this.codec = codec;
    }

    /** Returns a launcher whose agents wait for the client to leave at the end of their script. */
    public static ReplayLauncher of(Transcript transcript) {
        return new ReplayLauncher(transcript, OptionalInt.empty(), new FrameCodec());
    }

    /** Returns a copy whose agents exit with {@code status} at a recorded {@code eof} (the agent crashed there). */
    public ReplayLauncher exitingAtEof(int status) {
        return new ReplayLauncher(transcript, OptionalInt.of(status), codec);
    }

    @Override
    public synchronized AgentLink open(ClientSink sink) throws IOException {
        List<String> conns = transcript.connections();
        if (agents.size() >= conns.size()) {
            throw new IOException("transcript " + transcript.name() + " records " + conns.size() + " connection(s) only");
        }
        ReplayScript script = ReplayScript.of(transcript, conns.get(agents.size()), exitAtEof, codec);
        ReplayAgent agent = new ReplayAgent(script, sink::send, status -> sink.agentClosed(AgentExit.exited(status)));
        agents.add(agent);
        String description = "replay of " + transcript.name() + " connection " + agents.size();
        agent.start();
        return new AgentLink() {
            @Override
            public boolean send(WireFrame frame) {
                return agent.accept(frame.text());
            }

            @Override
            public void close() {
                // nothing runs on its own: the script only advances on client frames
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    /** Returns every difference between the client frames the agents received and the recording. */
    public synchronized List<String> mismatches() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < agents.size(); i++) {
            for (String m : agents.get(i).mismatches()) {
                all.add("connection " + (i + 1) + ": " + m);
            }
        }
        return all;
    }

    /** Returns how many clients attached so far. */
    public synchronized int opened() {
        return agents.size();
    }

    @Override
    public String kind() {
        return "replay";
    }

    @Override
    public void close() {
        // no threads or processes
    }
}
