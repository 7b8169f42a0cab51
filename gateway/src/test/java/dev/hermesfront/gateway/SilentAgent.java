package dev.hermesfront.gateway;

import java.io.IOException;

/** A test agent that never writes anything: reads stdin until EOF, then exits. */
public final class SilentAgent {
    private SilentAgent() {}

    public static void main(String[] args) throws IOException {
        byte[] buf = new byte[4096];
        while (System.in.read(buf) >= 0) {
            // swallow
        }
    }
}
