package dev.hermesfront.bridge.standin;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The stdio side of a stand-in agent ({@code DemoAgentMain}, {@code CurrentWireAgentMain}, {@code ReplayAgentMain}),
 * like {@code python -m tui_gateway.entry}: one JSON frame per line on stdin and stdout, stray prints on stderr,
 * exit 0 on stdin EOF or when stdout is gone (the client has left). A stand-in's {@code main} makes one with
 * {@link #open()}, hands {@link #write} to its agent and calls {@link #readUntilEof}.
 */
public final class StdioAgent {
    private final PrintStream stdout;

    private StdioAgent(PrintStream stdout) {
        this.stdout = stdout;
    }

    /** Takes over stdout for frames; {@code System.out} goes to stderr from now on (stdout carries JSON only). */
    public static StdioAgent open() {
        StdioAgent a = new StdioAgent(new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8));
        System.setOut(System.err);
        return a;
    }

    /** Writes one frame as a line and flushes; exits 0 when stdout is gone. Thread-safe. */
    public void write(String line) {
        synchronized (stdout) {
            stdout.print(line);
            stdout.print('\n');
            stdout.flush();
            if (stdout.checkError()) {
                System.exit(0); // stdout gone: the client has left
            }
        }
    }

    /** Hands every line read from stdin to {@code accept}, in order, until EOF. */
    public void readUntilEof(Consumer<String> accept) throws IOException {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                accept.accept(line);
            }
        }
    }

    /** Flushes stdout and exits with {@code status}. */
    public void exit(int status) {
        synchronized (stdout) {
            stdout.flush();
        }
        System.exit(status);
    }
}
