package dev.hermesfront.protocol.transcript;

/** A transcript file could not be understood; the message names the file and line. */
public final class TranscriptException extends RuntimeException {
    public TranscriptException(String message) {
        super(message);
    }
}
