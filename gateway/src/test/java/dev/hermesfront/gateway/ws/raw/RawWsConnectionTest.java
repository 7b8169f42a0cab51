package dev.hermesfront.gateway.ws.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.upstream.WsClient;
import dev.hermesfront.protocol.WireFrame;
import io.undertow.server.DefaultByteBufferPool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * The raw upstream leg ({@link WsClient} + {@link RawWsConnection}) against a WebSocket server written here on a
 * plain socket, so every byte on the wire is the test's: a burst written at once is handed on in one round, byte
 * for byte; pings are answered with masked pongs; our frames are masked; a message over the limit is closed 1009;
 * close handshakes both ways; refused upgrades name the status; a wrong accept key and a missing subprotocol fail.
 */
class RawWsConnectionTest {
    private static XnioWorker worker;
    private static DefaultByteBufferPool buffers;

    @BeforeAll
    static void start() throws IOException {
        worker = Xnio.getInstance().createWorker(OptionMap.builder().set(Options.WORKER_IO_THREADS, 1)
                .set(Options.WORKER_NAME, "raw-ws-test").getMap());
        buffers = new DefaultByteBufferPool(true, 16 * 1024);
    }

    @AfterAll
    static void stop() {
        worker.shutdownNow();
    }

    /** One accepted connection of the hand-written server. */
    private static final class Peer implements AutoCloseable {
        final ServerSocket server;
        Socket socket;
        InputStream in;
        OutputStream out;
        String request;

        Peer() throws IOException {
            this(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        }

        Peer(ServerSocket server) throws IOException {
            this.server = server;
            server.setSoTimeout(10_000);
        }

        URI uri() {
            return URI.create((server instanceof javax.net.ssl.SSLServerSocket ? "wss" : "ws") + "://127.0.0.1:" + server.getLocalPort()
                    + "/api/ws?token=t");
        }

        /** Accepts and reads the request head. */
        String accept() throws IOException {
            socket = server.accept();
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed in the request");
                }
                head.write(b);
            }
            request = head.toString(StandardCharsets.ISO_8859_1);
            return request;
        }

        String header(String name) {
            for (String line : request.split("\r\n")) {
                if (line.toLowerCase().startsWith(name.toLowerCase() + ":")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
            return null;
        }

        /** Answers 101 with the right accept key, then {@code extra} (frames in the same write). */
        void upgrade(String moreHeaders, byte[] extra) throws Exception {
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((header("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
            write(concat(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept
                    + "\r\n" + moreHeaders + "\r\n").getBytes(StandardCharsets.ISO_8859_1), extra));
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        /** Reads frames (masked, as a client sends them) until {@code n} events were heard. */
        List<String> read(int n) throws Exception {
            List<String> heard = new ArrayList<>();
            WsFrameReader r = new WsFrameReader(true, 1 << 20);
            byte[] buf = new byte[8192];
            WsFrameReader.Handler h = new WsFrameReader.Handler() {
                @Override
                public void text(WireFrame frame) {
                    heard.add("text:" + frame.text());
                }

                @Override
                public void ping(byte[] payload) {
                    heard.add("ping:" + new String(payload, StandardCharsets.UTF_8));
                }

                @Override
                public void pong(byte[] payload) {
                    heard.add("pong:" + new String(payload, StandardCharsets.UTF_8));
                }

                @Override
                public void close(int code, String reason) {
                    heard.add("close:" + code);
                }
            };
            while (heard.size() < n) {
                int k = in.read(buf);
                if (k < 0) {
                    heard.add("eof");
                    break;
                }
                r.feed(ByteBuffer.wrap(buf, 0, k), h);
            }
            return heard;
        }

        @Override
        public void close() throws IOException {
            if (socket != null) {
                socket.close();
            }
            server.close();
        }
    }

    /** What the connection's listener heard. */
    private static final class Heard implements RawWsConnection.Listener {
        final BlockingQueue<WireFrame> texts = new LinkedBlockingQueue<>();
        final AtomicInteger rounds = new AtomicInteger();
        final CompletableFuture<String> end = new CompletableFuture<>();

        @Override
        public void onTexts(List<WireFrame> frames) {
            rounds.incrementAndGet();
            texts.addAll(frames);
        }

        @Override
        public void onEnd(RawWsConnection.Ending how, int code, String reason) {
            end.complete(how + ":" + code);
        }

        WireFrame next() throws InterruptedException {
            WireFrame f = texts.poll(10, TimeUnit.SECONDS);
            assertNotNull(f, "no frame within 10 s");
            return f;
        }
    }

    private static byte[] frame(boolean fin, int opcode, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        return frame(fin, opcode, p);
    }

    private static byte[] frame(boolean fin, int opcode, byte[] p) {
        ByteBuffer b = WsFrames.frame(fin, opcode, p, 0, p.length, false, 0);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static CompletableFuture<RawWsConnection> dial(URI uri, Map<String, String> headers, List<String> subprotocols) {
        return dial(new WsClient(worker, buffers), uri, headers, subprotocols);
    }

    private static CompletableFuture<RawWsConnection> dial(WsClient client, URI uri, Map<String, String> headers, List<String> subprotocols) {
        CompletableFuture<RawWsConnection> f = new CompletableFuture<>();
        client.dial(uri, headers, subprotocols, Duration.ofSeconds(20), (c, failure) -> {
            if (failure != null) {
                f.completeExceptionally(failure);
            } else {
                f.complete(c);
            }
        });
        return f;
    }

    private static String event(int i) {
        return "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"message.delta\",\"payload\":{\"n\":" + i + ",\"t\":\"é€\"}}}";
    }

    @Test
    void aBurstWrittenAtOnceArrivesInOneRoundByteForByteAndPingsGetMaskedPongs() throws Exception {
        try (Peer peer = new Peer()) {
            CompletableFuture<RawWsConnection> dialled = dial(peer.uri(), Map.of("Authorization", "Bearer x"), List.of());
            peer.accept();
            assertTrue(peer.request.startsWith("GET /api/ws?token=t HTTP/1.1\r\n"), peer.request);
            assertEquals("127.0.0.1:" + peer.server.getLocalPort(), peer.header("Host"));
            assertEquals("Bearer x", peer.header("Authorization"));
            assertEquals(null, peer.header("Origin"));
            assertEquals("13", peer.header("Sec-WebSocket-Version"));
            // The first frame rides in the same write as the 101.
            peer.upgrade("", frame(true, WsFrames.TEXT, event(-1)));
            RawWsConnection c = dialled.get(10, TimeUnit.SECONDS);
            Heard heard = new Heard();
            c.start(heard, 1 << 20, 1 << 20, Duration.ofSeconds(5));
            assertEquals(event(-1), heard.next().text());
            int roundsBefore = heard.rounds.get();
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 50; i++) {
                burst.writeBytes(frame(true, WsFrames.TEXT, event(i)));
            }
            // A fragmented message with a ping between its fragments.
            burst.writeBytes(frame(false, WsFrames.TEXT, "{\"frag\":"));
            burst.writeBytes(frame(true, WsFrames.PING, "are you there"));
            burst.writeBytes(frame(true, WsFrames.CONTINUATION, "true}"));
            peer.write(burst.toByteArray());
            for (int i = 0; i < 50; i++) {
                WireFrame f = heard.next();
                assertTrue(f.sameBytes(WireFrame.of(event(i))), "frame " + i);
            }
            assertEquals("{\"frag\":true}", heard.next().text());
            assertTrue(heard.rounds.get() - roundsBefore <= 4, "a 51-message burst in one write took " + (heard.rounds.get() - roundsBefore) + " rounds");
            assertEquals(List.of("pong:are you there"), peer.read(1), "pong, masked (the test's reader requires masking)");
            // Our frames: masked, in order; frames sent together are written together.
            for (int i = 0; i < 20; i++) {
                assertTrue(c.sendText(WireFrame.of("c" + i)));
            }
            List<String> got = peer.read(20);
            for (int i = 0; i < 20; i++) {
                assertEquals("text:c" + i, got.get(i));
            }
            // Our close: the peer sees 1000, answers, and the listener hears the end.
            c.close(1000, "client left");
            assertEquals(List.of("close:1000"), peer.read(1));
            peer.write(frame(true, WsFrames.CLOSE, WsFrames.closePayload(1000, "")));
            assertEquals("CLOSED_BY_US:1000", heard.end.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aMessageOverTheLimitIsClosed1009() throws Exception {
        try (Peer peer = new Peer()) {
            CompletableFuture<RawWsConnection> dialled = dial(peer.uri(), Map.of(), List.of());
            peer.accept();
            peer.upgrade("", new byte[0]);
            RawWsConnection c = dialled.get(10, TimeUnit.SECONDS);
            Heard heard = new Heard();
            c.start(heard, 1000, 1 << 20, Duration.ofSeconds(5));
            peer.write(concat(frame(true, WsFrames.TEXT, "ok"), frame(true, WsFrames.TEXT, "x".repeat(1001))));
            assertEquals("ok", heard.next().text());
            assertEquals("FAILED:1009", heard.end.get(10, TimeUnit.SECONDS));
            assertEquals(List.of("close:1009"), peer.read(1));
        }
    }

    @Test
    void thePeersCloseIsAnsweredAndEndsTheConnection() throws Exception {
        try (Peer peer = new Peer()) {
            CompletableFuture<RawWsConnection> dialled = dial(peer.uri(), Map.of(), List.of());
            peer.accept();
            peer.upgrade("", new byte[0]);
            RawWsConnection c = dialled.get(10, TimeUnit.SECONDS);
            Heard heard = new Heard();
            c.start(heard, 1000, 1 << 20, Duration.ofSeconds(5));
            peer.write(concat(frame(true, WsFrames.TEXT, "last"), frame(true, WsFrames.CLOSE, WsFrames.closePayload(4403, "revoked"))));
            assertEquals("last", heard.next().text());
            assertEquals("CLOSED_BY_PEER:4403", heard.end.get(10, TimeUnit.SECONDS));
            assertEquals(List.of("close:4403"), peer.read(1));
            assertEquals(List.of("eof"), peer.read(1), "the connection is closed after the answer");
        }
    }

    /**
     * An ended connection is collectable once its socket is closed, whoever closed it: the close-grace timer (30 s
     * here, longer than the wait) must not keep it, and with it the listener's whole graph, in the IO thread's queue.
     */
    @Test
    void anEndedConnectionIsCollectableOnceItsSocketCloses() throws Exception {
        assertCollected(endedConnection(false), "closed by the peer");
        assertCollected(endedConnection(true), "closed by us");
    }

    /** Runs one connection to its end (our close answered by the peer, or the peer's close) and returns its listener, weakly. */
    private static java.lang.ref.WeakReference<Heard> endedConnection(boolean byUs) throws Exception {
        try (Peer peer = new Peer()) {
            CompletableFuture<RawWsConnection> dialled = dial(peer.uri(), Map.of(), List.of());
            peer.accept();
            peer.upgrade("", new byte[0]);
            RawWsConnection c = dialled.get(10, TimeUnit.SECONDS);
            Heard heard = new Heard();
            c.start(heard, 1000, 1 << 20, Duration.ofSeconds(30));
            if (byUs) {
                c.close(1000, "done");
                assertEquals(List.of("close:1000"), peer.read(1));
                peer.write(frame(true, WsFrames.CLOSE, WsFrames.closePayload(1000, "")));
                assertEquals("CLOSED_BY_US:1000", heard.end.get(10, TimeUnit.SECONDS));
            } else {
                peer.write(frame(true, WsFrames.CLOSE, WsFrames.closePayload(1000, "")));
                assertEquals("CLOSED_BY_PEER:1000", heard.end.get(10, TimeUnit.SECONDS));
                assertEquals(List.of("close:1000"), peer.read(1));
            }
            assertEquals(List.of("eof"), peer.read(1), "our side closed the socket");
            return new java.lang.ref.WeakReference<>(heard);
        }
    }

    /** Waits (at most 5 s, collecting) for {@code ref} to be cleared. */
    static void assertCollected(java.lang.ref.WeakReference<?> ref, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ref.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertTrue(ref.get() == null, "an ended connection (" + what + ") is still reachable 5 s after its socket closed");
    }

    @Test
    void aRefusedUpgradeNamesItsStatus() throws Exception {
        try (Peer peer = new Peer()) {
            CompletableFuture<RawWsConnection> dialled = dial(peer.uri(), Map.of(), List.of());
            peer.accept();
            peer.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            Throwable t = failure(dialled);
            assertTrue(t.getMessage().contains("answered with HTTP 403"), t.getMessage());
        }
    }

    @Test
    void aWrongAcceptKeyOrAMissingSubprotocolFails() throws Exception {
        try (Peer peer = new Peer()) {
            CompletableFuture<RawWsConnection> dialled = dial(peer.uri(), Map.of(), List.of());
            peer.accept();
            peer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                    + "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertTrue(failure(dialled).getMessage().contains("Sec-WebSocket-Accept"));
        }
        try (Peer peer = new Peer()) {
            CompletableFuture<RawWsConnection> dialled = dial(peer.uri(), Map.of(), List.of("hermes-gateway-v1", "hermes-gateway-ticket.T"));
            peer.accept();
            assertEquals("hermes-gateway-v1,hermes-gateway-ticket.T", peer.header("Sec-WebSocket-Protocol"));
            peer.upgrade("", new byte[0]);
            assertTrue(failure(dialled).getMessage().contains("subprotocol"));
        }
        try (Peer peer = new Peer()) {
            CompletableFuture<RawWsConnection> dialled = dial(peer.uri(), Map.of(), List.of("hermes-gateway-v1"));
            peer.accept();
            peer.upgrade("Sec-WebSocket-Protocol: hermes-gateway-v1\r\n", new byte[0]);
            dialled.get(10, TimeUnit.SECONDS).abort();
        }
    }

    @Test
    void wssCarriesTheSameFramesOverTls(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path ks = dir.resolve("peer.p12");
        Process keytool = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "peer", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "test-pass", "-keypass", "test-pass")
                .redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, new String(keytool.getInputStream().readAllBytes()));
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(ks)) {
            store.load(in, "test-pass".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "test-pass".toCharArray());
        javax.net.ssl.SSLContext server = javax.net.ssl.SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        javax.net.ssl.SSLContext client = javax.net.ssl.SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        for (int round = 0; round < Integer.getInteger("wssRounds", 3); round++) {
            wssRound(server, client);
        }
    }

    private static void wssRound(javax.net.ssl.SSLContext server, javax.net.ssl.SSLContext client) throws Exception {
        try (Peer peer = new Peer(server.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress()))) {
            CompletableFuture<RawWsConnection> dialled = dial(new WsClient(worker, buffers, client), peer.uri(), Map.of(), List.of());
            peer.accept();
            peer.upgrade("", frame(true, WsFrames.TEXT, event(0)));
            RawWsConnection c = dialled.get(10, TimeUnit.SECONDS);
            Heard heard = new Heard();
            c.start(heard, 1 << 20, 1 << 20, Duration.ofSeconds(5));
            assertEquals(event(0), heard.next().text());
            peer.write(concat(frame(true, WsFrames.TEXT, event(1)), frame(true, WsFrames.TEXT, "x".repeat(100_000))));
            assertEquals(event(1), heard.next().text());
            assertEquals(100_000, heard.next().length());
            assertTrue(c.sendText(WireFrame.of("over tls")));
            assertEquals(List.of("text:over tls"), peer.read(1));
            c.close(1000, "done");
            assertEquals(List.of("close:1000"), peer.read(1));
        }
    }

    private static Throwable failure(CompletableFuture<RawWsConnection> f) throws InterruptedException {
        try {
            RawWsConnection c = f.get(10, TimeUnit.SECONDS);
            c.abort();
            throw new AssertionError("the dial succeeded");
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no outcome within 10 s");
        }
    }
}
