package dev.hermesfront.protocol.codec;

import dev.hermesfront.protocol.Frame;

/** The outcome of decoding one frame: usable, answered with a protocol error, or empty. */
public sealed interface Decoded {

    /** A well-formed frame. */
    record Valid(Frame frame) implements Decoded {}

    /**
     * A frame the agent would reject at the protocol level.
     *
     * @param reply  the exact error frame the agent would send back
     * @param reason a short description for logs (never contains frame content)
     */
    record Invalid(String reply, String reason) implements Decoded {}

    /** A whitespace-only frame: the agent ignores it and sends nothing back. */
    record Blank() implements Decoded {
        static final Blank INSTANCE = new Blank();
    }
}
