package dev.hermesfront.gateway.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** An answer that carries a secret (a sudo password) reaches the agent, and never the recording. */
class PrivateAnswerTest {
    @Test
    void recordsAnAnswerWithItsSecretReplacedAndItsIdKept() {
        String answer = "{\"jsonrpc\":\"2.0\",\"id\":\"srq-3f9c0a1b2d4e\",\"result\":{\"value\":\"hunter2-not-a-real-password\"}}";
        String recorded = RecordingLauncher.redactedAnswer(answer);
        assertFalse(recorded.contains("hunter2"), recorded);
        assertEquals("{\"jsonrpc\":\"2.0\",\"id\":\"srq-3f9c0a1b2d4e\",\"result\":\"<redacted>\"}", recorded);
        assertEquals("{\"result\": \"<redacted>\"}", RecordingLauncher.redactedAnswer("not json hunter2"));
    }
}
