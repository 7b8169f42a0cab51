package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.EchoAgent;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.upstream.WsRelayLauncher;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The upstream-dashboard link: a front gateway bridging each client to another /api/ws (here an inner
 * hermes-front standing in for the dashboard), with the inner token injected on the loopback hop.
 */
class UpstreamLinkTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String INNER_TOKEN = "inner-dashboard-token";

    private static GatewayServer inner(dev.hermesfront.bridge.AgentLauncher launcher) throws Exception {
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(INNER_TOKEN)))
                .parking(ParkingPolicy.disabled()).agentLimits(1024, 64, 64).get();
        return GatewayServer.builder(cfg, launcher).build().start();
    }

    private static TestGateway front(int innerPort, String token) throws Exception {
        return TestGateway.start(io -> WsRelayLauncher.dashboard(io.ws(), URI.create("ws://127.0.0.1:" + innerPort + "/api/ws"), token,
                        Duration.ofSeconds(5), 1 << 20),
                // One credential opens more agents here than the default per-credential cap (issue 21, F8) allows.
                c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).agentLimits(1024, 64, 64).get());
    }

    @Test
    void chatsThroughTheDashboardLinkWithTheInnerTokenInjected() throws Exception {
        GatewayServer dash = inner(new DemoLauncher(MAPPER, new FrameCodec()));
        try (TestGateway gw = front(dash.port(), INNER_TOKEN); WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertTrue(c.next().contains("gateway.ready"));
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {}}");
            String sid = MAPPER.readTree(c.next()).path("result").path("session_id").asText();
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r2\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + sid
                    + "\", \"text\": \"hi\"}}");
            while (true) {
                JsonNode f = MAPPER.readTree(c.next());
                if (f.path("params").path("type").asText().equals("message.complete")) {
                    assertEquals("Echo: hi", f.path("params").path("payload").path("text").asText());
                    break;
                }
            }
        } finally {
            dash.close();
        }
    }

    /**
     * A relayed client that connected, made one call and left is collectable once both its sockets closed: no timer
     * of either leg (client and upstream) keeps its graph (endpoint, hub, queue, link) alive.
     */
    @Test
    void anEndedRelayedClientIsCollectable() throws Exception {
        GatewayServer dash = inner(new DemoLauncher(MAPPER, new FrameCodec()));
        try (TestGateway gw = TestGateway.start(io -> WsRelayLauncher.dashboard(io.ws(), URI.create("ws://127.0.0.1:" + dash.port() + "/api/ws"),
                INNER_TOKEN, Duration.ofSeconds(5), 1 << 20), c -> ConfigEdit.edit(c).set(dev.hermesfront.gateway.config.Settings.WS_ENGINE, "raw")
                        .parking(ParkingPolicy.disabled()).get())) {
            java.lang.ref.WeakReference<Object> endpoint = oneCall(gw);
            ConnectionRegistry registry = registry(gw.server());
            assertTrue(registry.awaitEmpty(Duration.ofSeconds(10)), "the client is still registered");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (endpoint.get() != null && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            assertTrue(endpoint.get() == null, "an ended relayed client is still reachable 5 s after it left");
        } finally {
            dash.close();
        }
    }

    /** Connects, makes one call, closes; returns the client's endpoint (its graph's root), weakly. */
    private static java.lang.ref.WeakReference<Object> oneCall(TestGateway gw) throws Exception {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertTrue(c.next().contains("gateway.ready"));
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {}}");
            assertTrue(c.next().contains("session_id"));
            java.util.Map<?, ?> live = live(registry(gw.server()));
            assertEquals(1, live.size());
            return new java.lang.ref.WeakReference<>(live.values().iterator().next());
        }
    }

    private static ConnectionRegistry registry(GatewayServer s) throws ReflectiveOperationException {
        java.lang.reflect.Field f = GatewayServer.class.getDeclaredField("registry");
        f.setAccessible(true);
        return (ConnectionRegistry) f.get(s);
    }

    private static java.util.Map<?, ?> live(ConnectionRegistry r) throws ReflectiveOperationException {
        java.lang.reflect.Field f = ConnectionRegistry.class.getDeclaredField("live");
        f.setAccessible(true);
        return (java.util.Map<?, ?>) f.get(r);
    }

    @Test
    void passesBytesThroughUnchangedInOrder() throws Exception {
        GatewayServer dash = inner(new ProcessLauncher(TestGateway.javaMain(EchoAgent.class)));
        try (TestGateway gw = front(dash.port(), INNER_TOKEN); WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertTrue(c.next().contains("gateway.ready"));
            for (int i = 0; i < 500; i++) {
                String f = "{ \"id\" : " + i + ", \"method\": \"m\", \"params\": {\"u\": \"\u00e9\u2695\", \"f\": 1.50} }";
                c.send(f);
            }
            for (int i = 0; i < 500; i++) {
                assertEquals("{ \"id\" : " + i + ", \"method\": \"m\", \"params\": {\"u\": \"\u00e9\u2695\", \"f\": 1.50} }", c.next());
            }
        } finally {
            dash.close();
        }
    }

    @Test
    void relaysPinnedToTheirClientsIoThreadKeepEachClientsFramesInOrder() throws Exception {
        // More relays than IO threads: the later ones are dialled on their client's IO thread (WsRelayLauncher.pinnedLoop).
        GatewayServer dash = inner(new DemoLauncher(MAPPER, new FrameCodec()));
        List<WsTestClient> clients = new java.util.ArrayList<>();
        try (TestGateway gw = front(dash.port(), INNER_TOKEN)) {
            int n = Runtime.getRuntime().availableProcessors() * 2 + 3;
            for (int k = 0; k < n; k++) {
                WsTestClient c = WsTestClient.connect(gw.wsUri());
                clients.add(c);
                assertTrue(c.next().contains("gateway.ready"));
            }
            for (int k = 0; k < n; k++) {
                for (int i = 0; i < 50; i++) {
                    clients.get(k).send("{\"jsonrpc\": \"2.0\", \"id\": " + i + ", \"method\": \"no.such.m" + k + "\", \"params\": {}}");
                }
            }
            for (int k = 0; k < n; k++) {
                for (int i = 0; i < 50; i++) {
                    JsonNode f = MAPPER.readTree(clients.get(k).next());
                    assertEquals(i, f.path("id").asInt(), "relay " + k + ", frame " + i);
                    assertTrue(f.path("error").path("message").asText().endsWith("no.such.m" + k), f.toString());
                }
            }
        } finally {
            for (WsTestClient c : clients) {
                c.close();
            }
            dash.close();
        }
    }

    @Test
    void aClientThatStopsReadingHoldsUpOnlyItsOwnLink() throws Exception {
        GatewayServer dash = inner(new ProcessLauncher(TestGateway.javaMain(EchoAgent.class)));
        try (TestGateway gw = TestGateway.start(io -> WsRelayLauncher.dashboard(io.ws(), URI.create("ws://127.0.0.1:" + dash.port() + "/api/ws"),
                INNER_TOKEN, Duration.ofSeconds(5), 1 << 20),
                c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).outbound(64 * 1024, 64L << 20, java.time.Duration.ofSeconds(20)).get());
             java.net.Socket stalled = FaultTest.rawUpgrade(gw)) {
            // ~20 MB the client never reads: its link stops asking the upstream for more, and waits.
            stalled.getOutputStream().write(FaultTest.maskedText("{\"cmd\": \"flood\", \"method\": \"echo.cmd\", \"n\": 20000, \"pad\": 1000}"));
            stalled.getOutputStream().flush();
            try (WsTestClient good = WsTestClient.connect(gw.wsUri())) {
                assertTrue(good.next().contains("gateway.ready"));
                // ~3 MB through a 64 KiB high-water mark: this link waits for "writable again" thousands of times.
                good.send("{\"cmd\": \"flood\", \"method\": \"echo.cmd\", \"n\": 3000, \"pad\": 1000}");
                for (int i = 0; i < 3000; i++) {
                    assertEquals(i, MAPPER.readTree(good.next()).path("n").asInt());
                }
                // All of it arrived while the stalled client was still connected (it is cut only after its 20 s stall):
                // with one shared pacer thread, this link waited behind the stalled one's until it was cut.
                assertEquals(2, gw.server().connections());
            }
        } finally {
            dash.close();
        }
    }

    @Test
    void closesTheClientWith1011WhenTheDashboardRejectsTheInnerToken() throws Exception {
        GatewayServer dash = inner(new DemoLauncher(MAPPER, new FrameCodec()));
        try (TestGateway gw = front(dash.port(), "wrong-inner-token"); WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertEquals(1011, c.closeCode());
            assertTrue(c.closeReason().startsWith("upstream agent closed"), c.closeReason());
        } finally {
            dash.close();
        }
    }

    @Test
    void closesTheClientWith1011WhenTheDashboardIsDown() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (TestGateway gw = front(port, INNER_TOKEN); WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertEquals(1011, c.closeCode());
            assertEquals("upstream agent unavailable", c.closeReason());
        }
    }

    @Test
    void closesTheClientWith1011WhenTheDashboardGoesAway() throws Exception {
        GatewayServer dash = inner(new DemoLauncher(MAPPER, new FrameCodec()));
        try (TestGateway gw = front(dash.port(), INNER_TOKEN); WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertTrue(c.next().contains("gateway.ready"));
            dash.close();
            assertEquals(1011, c.closeCode());
        }
    }
}
