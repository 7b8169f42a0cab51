package dev.hermesfront.gateway.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The upstream /api/ws link on Undertow's client ({@link WsRelayLauncher}), against an inner hermes-front
 * standing in for the dashboard: a slow client paces the upstream (the upstream's agent ends up waiting, and
 * nothing is lost or reordered), the pending queue to the upstream is bounded, and a gated upstream gets a
 * freshly minted ticket on every dial, as the subprotocol pair and with nothing in the URL.
 */
class WsRelayLinkTest {
    private static final String INNER_TOKEN = "inner-dashboard-token-0123";

    private static GatewayServer inner(AgentLauncher launcher, long highWater) throws Exception {
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(INNER_TOKEN)))
                .parking(ParkingPolicy.disabled()).outbound(highWater, 256L << 20, Duration.ofSeconds(30)).get();
        return GatewayServer.builder(cfg, launcher).build().start();
    }

    private static URI innerWs(GatewayServer inner) {
        return URI.create("ws://127.0.0.1:" + inner.port() + "/api/ws");
    }

    /** An agent that says ready, then sends {@code total} numbered frames, pacing itself by the sink as the stdio link does. */
    static final class FloodLauncher implements AgentLauncher {
        final int total;
        final AtomicInteger sent = new AtomicInteger();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicBoolean stop = new AtomicBoolean();

        FloodLauncher(int total) {
            this.total = total;
        }

        static String frame(int i) {
            return "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"message.delta\",\"payload\":{\"n\":" + i
                    + ",\"text\":\"" + "x".repeat(1000) + "\"}}}";
        }

        @Override
        public AgentLink open(ClientSink sink) {
            Thread t = new Thread(() -> {
                sink.send("{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"gateway.ready\",\"payload\":{}}}");
                try {
                    for (int i = 0; i < total && !stop.get(); i++) {
                        if (!sink.awaitWritable(Duration.ZERO)) {
                            held.countDown(); // the client side has stopped taking frames: we are being paced
                            if (!sink.awaitWritable(Duration.ofSeconds(30))) {
                                return;
                            }
                        }
                        sink.send(frame(i));
                        sent.incrementAndGet();
                    }
                    done.countDown();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "flood-agent");
            t.setDaemon(true);
            t.start();
            return new AgentLink() {
                @Override
                public boolean send(dev.hermesfront.protocol.WireFrame frame) {
                    return true;
                }

                @Override
                public void close() {
                    stop.set(true);
                }

                @Override
                public String describe() {
                    return "flood";
                }
            };
        }

        @Override
        public String kind() {
            return "flood";
        }

        @Override
        public void close() {
            stop.set(true);
        }
    }

    @Test
    void aClientThatDoesNotReadPacesTheUpstreamAndThenGetsEveryFrameInOrder() throws Exception {
        // ~60 MB: far more than the fronts' high-water marks (64 KiB each) and the loopback sockets' buffers (a few MB a hop) hold
        int total = 60_000;
        FloodLauncher flood = new FloodLauncher(total);
        GatewayServer dash = inner(flood, 64 * 1024);
        try (TestGateway gw = TestGateway.start(p -> WsRelayLauncher.dashboard(p.ws(), innerWs(dash), INNER_TOKEN,
                Duration.ofSeconds(5), 1 << 20), c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).outbound(64 * 1024, 256L << 20, Duration.ofSeconds(30)).get());
             RawWsClient client = RawWsClient.open(gw.port(), "/api/ws?token=" + TestGateway.TOKEN)) {
            // The client reads nothing: the front stops reading the upstream, and the upstream's agent is held.
            assertTrue(flood.held.await(10, TimeUnit.SECONDS), "the upstream's agent was never held back");
            // Unpaced, the front would read all ~60 MB off the upstream within seconds; paced, it never gets there.
            assertFalse(flood.done.await(5, TimeUnit.SECONDS), "the upstream sent all " + total + " frames to a client that reads nothing");
            int whenHeld = flood.sent.get();
            assertTrue(whenHeld < total / 2, "the upstream sent " + whenHeld + " of " + total + " frames to a client that reads nothing");
            // Now the client reads: everything arrives, in order, none lost.
            assertTrue(client.nextText().contains("gateway.ready"));
            for (int i = 0; i < total; i++) {
                String f = client.nextText();
                assertEquals(FloodLauncher.frame(i), f, "frame " + i);
            }
            assertEquals(total, flood.sent.get());
        } finally {
            dash.close();
        }
    }

    @Test
    void dialsOnTheIoThreadItIsGivenSoBothLegsOfARelayShareOne() throws Exception {
        GatewayServer dash = inner(new dev.hermesfront.bridge.demo.DemoLauncher(new com.fasterxml.jackson.databind.ObjectMapper(),
                new dev.hermesfront.protocol.codec.FrameCodec()), 4 << 20);
        java.util.concurrent.atomic.AtomicReference<dev.hermesfront.gateway.Pools> pools = new java.util.concurrent.atomic.AtomicReference<>();
        try (TestGateway gw = TestGateway.start(p -> {
            pools.set(p);
            return WsRelayLauncher.dashboard(p.ws(), innerWs(dash), INNER_TOKEN, Duration.ofSeconds(5), 1 << 20);
        }, c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get())) {
            org.xnio.XnioWorker worker = pools.get().worker();
            URI target = URI.create(innerWs(dash) + "?token=" + INNER_TOKEN);
            for (int i = 0; i < worker.getIoThreadCount(); i++) {
                org.xnio.XnioIoThread on = worker.getIoThread(i);
                java.util.concurrent.CompletableFuture<dev.hermesfront.gateway.ws.raw.RawWsConnection> dialled = new java.util.concurrent.CompletableFuture<>();
                pools.get().ws().dial(target, java.util.Map.of(), List.of(), Duration.ofSeconds(5), on, (ch, failure) -> {
                    if (failure != null) {
                        dialled.completeExceptionally(failure);
                    } else {
                        dialled.complete(ch);
                    }
                });
                dev.hermesfront.gateway.ws.raw.RawWsConnection ch = dialled.get(10, TimeUnit.SECONDS);
                try {
                    assertTrue(ch.ioThread() == on, "dialled on IO thread " + i);
                } finally {
                    ch.abort();
                }
            }
        } finally {
            dash.close();
        }
    }

    @Test
    void framesForAnUpstreamThatIsNotOpenYetAreBoundedInCharacters() {
        List<AgentExit> exits = new ArrayList<>();
        WsRelayLink link = new WsRelayLink("test", new ClientSink() {
            @Override
            public boolean send(dev.hermesfront.protocol.WireFrame frame) {
                return true;
            }

            @Override
            public boolean awaitWritable(Duration timeout) {
                return true;
            }

            @Override
            public void agentClosed(AgentExit exit) {
                exits.add(exit);
            }
        }, 1 << 20, 1000, l -> { });
        String f = "x".repeat(400);
        assertTrue(link.send(f));
        assertTrue(link.send(f));
        assertFalse(link.send(f), "a third 400-char frame would pass the 1000-char bound");
        assertTrue(link.send("y".repeat(200)), "a smaller frame still fits");
        link.close();
        assertFalse(link.send("z"), "nothing is taken after close");
        assertTrue(exits.isEmpty(), "the client left: no agentClosed");
    }

    @Test
    void aLoneFrameLargerThanTheBoundStillWaitsAlone() {
        WsRelayLink link = new WsRelayLink("test", new ClientSink() {
            @Override
            public boolean send(dev.hermesfront.protocol.WireFrame frame) {
                return true;
            }

            @Override
            public boolean awaitWritable(Duration timeout) {
                return true;
            }

            @Override
            public void agentClosed(AgentExit exit) {
            }
        }, 1 << 20, 100, l -> { });
        assertTrue(link.send("x".repeat(500)));
        assertFalse(link.send("y"));
        link.close();
    }

    @Test
    void aGatedUpstreamGetsAFreshTicketOnEveryDialAsTheSubprotocolPair() throws Exception {
        GatewayServer dash = inner(new dev.hermesfront.bridge.demo.DemoLauncher(new com.fasterxml.jackson.databind.ObjectMapper(),
                new dev.hermesfront.protocol.codec.FrameCodec()), 4 << 20);
        // The inner front refuses a reused ticket and a request that also carries ?token=, so three chats in a row
        // through it show a new ticket per dial and nothing in the URL.
        try (TestGateway gw = TestGateway.start(p -> WsRelayLauncher.gated(p.ws(), innerWs(dash),
                new TicketMinter(innerWs(dash), INNER_TOKEN, Duration.ofSeconds(5), minterHttp(), new com.fasterxml.jackson.databind.ObjectMapper()), Duration.ofSeconds(5), 1 << 20),
                c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get())) {
            for (int i = 0; i < 3; i++) {
                try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
                    assertTrue(c.next().contains("gateway.ready"), "dial " + i);
                    c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {}}");
                    assertTrue(c.next().contains("session_id"), "dial " + i);
                }
            }
        } finally {
            dash.close();
        }
    }

    @Test
    void aTicketTheUpstreamWillNotMintEndsTheClientWith1011() throws Exception {
        GatewayServer dash = inner(new dev.hermesfront.bridge.demo.DemoLauncher(new com.fasterxml.jackson.databind.ObjectMapper(),
                new dev.hermesfront.protocol.codec.FrameCodec()), 4 << 20);
        try (TestGateway gw = TestGateway.start(p -> WsRelayLauncher.gated(p.ws(), innerWs(dash),
                new TicketMinter(innerWs(dash), "not-the-inner-token-0123", Duration.ofSeconds(5), minterHttp(),
                        new com.fasterxml.jackson.databind.ObjectMapper()), Duration.ofSeconds(5), 1 << 20),
                c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
             WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertEquals(1011, c.closeCode());
            assertEquals("upstream agent unavailable", c.closeReason());
        } finally {
            dash.close();
        }
    }

    /** An upstream that refuses the upgrade (a peer without delegate: true answers 403) is named as a refusal. */
    @Test
    void anUpgradeTheUpstreamRefusesEndsTheClientWith1011NamingTheStatus() throws Exception {
        com.sun.net.httpserver.HttpServer refusing = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        refusing.createContext("/", ex -> {
            byte[] body = "{\"error\": {\"code\": \"delegation_not_allowed\"}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(403, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        refusing.start();
        URI url = URI.create("ws://127.0.0.1:" + refusing.getAddress().getPort() + "/api/ws");
        try (TestGateway gw = TestGateway.start(p -> WsRelayLauncher.withHeaders(p.ws(), url, java.util.Map.of(), Duration.ofSeconds(5), 1 << 20),
                c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
             WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertEquals(1011, c.closeCode());
            assertEquals("upstream refused the connection (HTTP 403)", c.closeReason());
        } finally {
            refusing.stop(0);
        }
    }

    /** A WebSocket client on a plain socket, so a test decides when (and whether) it reads. */
    static final class RawWsClient implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        private RawWsClient(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
        }

        static RawWsClient open(int port, String path) throws IOException {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = s.getInputStream().read();
                if (b < 0) {
                    throw new IOException("closed during the handshake: " + head);
                }
                head.write(b);
            }
            if (!head.toString(StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 101")) {
                throw new IOException("no upgrade: " + head);
            }
            return new RawWsClient(s);
        }

        /** Reads the next text message (unfragmented, as the front sends them); fails on a close frame. */
        String nextText() throws IOException {
            while (true) {
                int b0 = read();
                int b1 = read();
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = (read() << 8) | read();
                } else if (len == 127) {
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        len = (len << 8) | read();
                    }
                }
                byte[] payload = in.readNBytes((int) len);
                int op = b0 & 0x0f;
                if (op == 1) {
                    return new String(payload, StandardCharsets.UTF_8);
                }
                if (op == 8) {
                    throw new IOException("closed: " + (payload.length >= 2 ? ((payload[0] & 0xff) << 8 | (payload[1] & 0xff)) : -1));
                }
            }
        }

        private int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed");
            }
            return b;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The mint calls' client, as the gateway makes it (HTTP/1.1), running its callbacks on the calling thread. */
    private static java.net.http.HttpClient minterHttp() {
        return dev.hermesfront.gateway.Pools.http(Duration.ofSeconds(5), Runnable::run).build();
    }
}
