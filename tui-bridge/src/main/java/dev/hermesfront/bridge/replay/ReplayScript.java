package dev.hermesfront.bridge.replay;

import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.Direction;
import dev.hermesfront.protocol.transcript.Transcript;
import dev.hermesfront.protocol.transcript.TranscriptEntry;
import dev.hermesfront.protocol.transcript.TranscriptMark;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The agent's side of one recorded connection, as an agent behind hermes-front sees it.
 *
 * <p>The gateway answers some client frames itself and never forwards them (tui-wire.md §1.2, §3.3):
 * binary messages, whitespace-only messages and frames {@link FrameCodec} rejects ({@code -32700},
 * {@code -32600}, {@code -32602}). Those frames, and the recorded replies that are byte for byte what the
 * gateway answers, are left out of the script. Everything else is kept in recorded order.
 *
 * @param expected   client frames the agent will receive, in order
 * @param emits      frames the agent writes, each with the number of client frames that must have arrived first
 * @param exitAfter  when the agent exits on its own: the number of emits written before it, else empty
 * @param exitStatus the exit status to report then
 */
record ReplayScript(List<String> expected, List<Emit> emits, OptionalInt exitAfter, int exitStatus) {

    /** One frame the agent writes once {@code after} client frames have arrived. */
    record Emit(String text, int after, int line) {}

    ReplayScript {
        expected = List.copyOf(expected);
        emits = List.copyOf(emits);
    }

    /**
     * Builds the script of connection {@code conn}.
     *
     * @param exitAtEof when present, an {@code eof} mark of that connection makes the agent exit with this
     *                  status there (a crash); when empty the agent waits for the client to leave
     */
    static ReplayScript of(Transcript transcript, String conn, OptionalInt exitAtEof, FrameCodec codec) {
        List<TranscriptEntry> entries = transcript.entries();
        List<String> expected = new ArrayList<>();
        List<Emit> emits = new ArrayList<>();
        List<String> frontAnswers = new ArrayList<>();
        OptionalInt exitAfter = OptionalInt.empty();
        List<TranscriptMark> eofs = exitAtEof.isPresent()
                ? transcript.marksOf(conn).stream().filter(m -> m.kind().equals("eof")).toList()
                : List.of();
        for (int i = 0; i <= entries.size(); i++) {
            for (TranscriptMark m : eofs) {
                if (m.position() == i && exitAfter.isEmpty()) {
                    exitAfter = OptionalInt.of(emits.size());
                }
            }
            if (i == entries.size()) {
                break;
            }
            TranscriptEntry e = entries.get(i);
            if (!e.conn().equals(conn) || exitAfter.isPresent()) {
                continue;
            }
            if (e.dir() == Direction.C2S) {
                if (e.binary()) {
                    continue;
                }
                Decoded d = codec.decode(e.text());
                if (d instanceof Decoded.Valid) {
                    expected.add(e.text());
                } else if (d instanceof Decoded.Invalid inv) {
                    frontAnswers.add(inv.reply());
                }
            } else if (!frontAnswers.remove(e.text())) {
                emits.add(new Emit(e.text(), expected.size(), e.line()));
            }
        }
        return new ReplayScript(expected, emits, exitAfter, exitAtEof.orElse(0));
    }
}
