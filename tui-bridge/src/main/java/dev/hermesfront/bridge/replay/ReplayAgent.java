package dev.hermesfront.bridge.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Plays the agent side of a recorded connection: writes the recorded server frames, each batch once the
 * client frames recorded before it have arrived, and notes every client frame that differs from the
 * recording. Frames are written as soon as they are due; recorded delays are not reproduced.
 *
 * <p>Thread-safe: every method runs under this object's monitor, and so do the output callbacks.
 */
final class ReplayAgent {
    private final ReplayScript script;
    private final Consumer<String> out;
    private final IntConsumer exit;
    private final List<String> mismatches = new ArrayList<>();
    private int received;
    private int emitted;
    private boolean exited;

    /**
     * Creates the agent; call {@link #start()} to write the frames due before any client frame.
     *
     * @param out  receives each server frame
     * @param exit called once with the status when the script makes the agent exit
     */
    ReplayAgent(ReplayScript script, Consumer<String> out, IntConsumer exit) {
        this.script = script;
        this.out = out;
        this.exit = exit;
    }

    synchronized void start() {
        pump();
    }

    /** Takes one client frame; returns false once the agent has exited. */
    synchronized boolean accept(String frame) {
        if (exited) {
            return false;
        }
        List<String> expected = script.expected();
        if (received >= expected.size()) {
            mismatches.add("client frame #" + (received + 1) + " was not recorded: " + abbreviate(frame));
        } else if (!sameFrame(expected.get(received), frame)) {
            mismatches.add("client frame #" + (received + 1) + " differs: expected " + abbreviate(expected.get(received))
                    + ", got " + abbreviate(frame));
        }
        received++;
        pump();
        return true;
    }

    /** Returns what differed between the client frames received and the recording, empty when nothing did. */
    synchronized List<String> mismatches() {
        return List.copyOf(mismatches);
    }

    /** Returns true once every recorded client frame has arrived and every server frame was written. */
    synchronized boolean finished() {
        return received >= script.expected().size() && emitted >= script.emits().size();
    }

    private void pump() {
        List<ReplayScript.Emit> emits = script.emits();
        while (!exited && emitted < emits.size() && emits.get(emitted).after() <= received) {
            if (script.exitAfter().isPresent() && emitted >= script.exitAfter().getAsInt()) {
                break;
            }
            out.accept(emits.get(emitted).text());
            emitted++;
        }
        if (!exited && script.exitAfter().isPresent() && emitted >= script.exitAfter().getAsInt()
                && received >= script.expected().size()) {
            exited = true;
            exit.accept(script.exitStatus());
        }
    }

    /** A stdio link removes CR and LF from client frames (tui-wire.md §8.1), so that difference is not one. */
    static boolean sameFrame(String recorded, String got) {
        return recorded.equals(got) || withoutLineBreaks(recorded).equals(got);
    }

    private static String withoutLineBreaks(String s) {
        return s.replace("\r", "").replace("\n", "");
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
