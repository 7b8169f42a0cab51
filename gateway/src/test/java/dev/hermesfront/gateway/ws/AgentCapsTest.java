package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.LogCapture;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, F8 and F9: agent processes are counted per credential with a small default cap (a read credential
 * fewer still), and a client that retries a refused attach in a tight loop gets one log line per window, with a
 * count, not one per attempt.
 */
class AgentCapsTest {
    private static final String READER = "reader-token-0123456789";
    private static final String CHATTER = "chatter-token-0123456789";
    private final List<WsTestClient> open = new ArrayList<>();
    private GatewayServer server;

    private void start(GatewayConfig cfg) throws Exception {
        server = GatewayServer.builder(cfg, new DemoLauncher(new ObjectMapper(), new FrameCodec())).build().start();
    }

    private static GatewayConfig twoCredentials() {
        return GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Credentials.of(List.of(
                new Credential.Token("reader", Secret.of(READER), "read"), new Credential.Token("chatter", Secret.of(CHATTER), "chat"))));
    }

    private WsTestClient attach(String token) throws Exception {
        WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws?token=" + token));
        open.add(c);
        return c;
    }

    @AfterEach
    void stop() {
        open.forEach(WsTestClient::close);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void byDefaultAReadCredentialRunsOneAgentAndAChatCredentialAFew() throws Exception {
        start(twoCredentials());
        assertTrue(attach(READER).next().contains("gateway.ready"), "a read credential may start one agent (it reads sessions)");
        WsTestClient second = attach(READER);
        assertEquals(1013, second.closeCode(), "a second agent for a read credential is refused");
        assertTrue(second.closeReason().contains("as many agents as it may"), second.closeReason());
        for (int i = 0; i < 4; i++) {
            assertTrue(attach(CHATTER).next().contains("gateway.ready"), "agent " + (i + 1) + " of the chat credential");
        }
        assertEquals(1013, attach(CHATTER).closeCode(), "the fifth agent of one credential is refused");
        assertEquals(5, server.agents().size(), "1 + 4 processes, not hundreds");
    }

    @Test
    void aRefusedAttachRetriedInALoopIsLoggedOncePerWindowWithACount() throws Exception {
        start(ConfigEdit.edit(twoCredentials()).agentLimits(100, 1, 0.001).get());
        try (LogCapture log = new LogCapture()) {
            assertTrue(attach(CHATTER).next().contains("gateway.ready"));
            for (int i = 0; i < 40; i++) {
                WsTestClient refused = attach(CHATTER);
                assertEquals(1013, refused.closeCode(), "attempt " + i + " is over the spawn rate");
                refused.close();
                open.remove(refused);
            }
            long lines = log.atLeast(Level.WARNING).stream().filter(r -> LogCapture.message(r).contains("refused a new agent")).count();
            assertEquals(1, lines, "40 refusals, one line in the window:\n" + log.dump());
        }
    }
}
