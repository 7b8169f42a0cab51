package dev.hermesfront.gateway.ws.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WsFramesTest {
    @Test
    void theAcceptKeyIsRfc6455sExample() {
        // RFC 6455 §1.3: the server's answer to the sample nonce
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WsFrames.acceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }
}
