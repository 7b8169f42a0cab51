package dev.hermesfront.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.LogCapture;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream's chunked answer that nothing in the front rewrites reaches the client as the upstream framed it
 * (extensions, trailers and all), checked against the chunked grammar on the way: bytes that break it never reach the
 * client, an upstream that dies mid-chunk ends the client's response unfinished, and a client that does not read holds
 * the upstream back instead of filling the front's memory. Undertow's own decoder would drop every extension and
 * re-frame the data, so the byte-exact assertions fail without the pass-through.
 */
class ChunkedPassThroughTest {
    private static final String HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
            + "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n";
    private ServerSocket upstream;
    private FrontFixture front;

    @AfterEach
    void stop() throws IOException {
        if (front != null) {
            front.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private void start() throws Exception {
        upstream = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        GatewayConfig cfg = ConfigEdit.edit(FrontFixture.baseConfig()).upstreams(ConfigEdit.timeouts(UpstreamConfig.of(
                URI.create("http://127.0.0.1:" + upstream.getLocalPort()), Secret.of(FrontFixture.API_KEY)),
                Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)), null).get();
        front = new FrontFixture(cfg);
    }

    private static String request(int port) {
        String body = "{\"stream\": true}";
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + FrontFixture.TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void relaysTheUpstreamsChunksByteForByteAndReusesBothConnections() throws Exception {
        start();
        String body = "19;delta=1\r\ndata: {\"delta\":\"Hi \u00e9\"}\n\n\r\n"
                + "E ; name=\"quoted value\"\r\ndata: second\n\n\r\n"
                + "0000f\r\ndata: {\"n\":1}\n\n\r\n"
                + "0;last\r\nX-Checksum: abc\r\nX-Other:\t1\r\n\r\n";
        AtomicInteger requestsOnOneConnection = new AtomicInteger();
        CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
            try (Socket s = upstream.accept()) {
                s.setSoTimeout(5000);
                for (int i = 0; i < 2; i++) {
                    readRequest(s.getInputStream());
                    requestsOnOneConnection.incrementAndGet();
                    s.getOutputStream().write((HEAD + body).getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            client.setSoTimeout(5000);
            for (int i = 0; i < 2; i++) {
                client.getOutputStream().write(request(front.port()).getBytes(StandardCharsets.UTF_8));
                String head = readHead(client.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                String lower = head.toLowerCase();
                assertEquals(1, count(lower, "transfer-encoding: chunked"), head);
                assertFalse(lower.contains("keep-alive: timeout"), "the upstream's hop-by-hop headers stay behind: " + head);
                byte[] got = readExactly(client.getInputStream(), body.getBytes(StandardCharsets.UTF_8).length);
                assertEquals(body, new String(got, StandardCharsets.UTF_8), "response " + (i + 1));
            }
        }
        served.get(5, TimeUnit.SECONDS);
        assertEquals(2, requestsOnOneConnection.get(), "the upstream connection went back to the pool after the body's end");
    }

    @Test
    void anUpstreamThatDiesMidChunkLeavesTheClientsResponseUnfinished() throws Exception {
        start();
        String sent = "1b\r\ndata: {\"delta\":\"partial\"}\n\n\r\n10\r\ndata: {\"del";
        CompletableFuture.runAsync(() -> answerThenClose(HEAD + sent));
        try (LogCapture log = new LogCapture(); Socket client = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write(request(front.port()).getBytes(StandardCharsets.UTF_8));
            readHead(client.getInputStream());
            assertEquals(sent, new String(readToEnd(client.getInputStream()), StandardCharsets.UTF_8),
                    "what the upstream sent, then the connection closed: no last chunk that would claim a complete answer");
            log.await("broke off", Duration.ofSeconds(5));
            assertEquals(1, log.atLeast(Level.WARNING).size(), log.dump());
        }
    }

    @Test
    void bytesThatBreakTheChunkedGrammarNeverReachTheClient() throws Exception {
        start();
        String valid = "7;x=1\r\ndata: x\r\n";
        CompletableFuture.runAsync(() -> answerThenHold(HEAD + valid + "zz\r\nINJECTED\r\n0\r\n\r\n"));
        try (LogCapture log = new LogCapture(); Socket client = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            client.setSoTimeout(5000);
            client.getOutputStream().write(request(front.port()).getBytes(StandardCharsets.UTF_8));
            readHead(client.getInputStream());
            assertEquals(valid, new String(readToEnd(client.getInputStream()), StandardCharsets.UTF_8),
                    "the valid chunks, then the connection closed");
            log.await("invalid chunked response body", Duration.ofSeconds(5));
            assertEquals(1, log.atLeast(Level.WARNING).size(), log.dump());
            assertTrue(log.withStackTrace().isEmpty(), log.dump());
        }
    }

    @Test
    void aClientThatDoesNotReadHoldsTheUpstreamBack() throws Exception {
        start();
        byte[] data = new byte[16 * 1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ('a' + i % 26);
        }
        byte[] chunk = frame(data);
        int chunks = 4096; // 64 MiB: far more than every socket buffer on the way
        AtomicLong written = new AtomicLong();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (Socket s = upstream.accept()) {
                s.setSoTimeout(20_000);
                readRequest(s.getInputStream());
                OutputStream out = s.getOutputStream();
                out.write(HEAD.getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < chunks; i++) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), front.port()));
            client.setSoTimeout(20_000);
            client.getOutputStream().write(request(front.port()).getBytes(StandardCharsets.UTF_8));
            // The client reads nothing: wait (bounded) until the upstream's writes stop moving.
            long last = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline) {
                long now = written.get();
                if (now == last && now > 0) {
                    break;
                }
                last = now;
                Thread.sleep(400);
            }
            long total = (long) chunk.length * chunks;
            assertTrue(written.get() < total, "the upstream wrote all " + total + " bytes to a client that read none: "
                    + "the front read ahead without bound");
            assertFalse(writer.isDone());
            // Then the client reads: every byte arrives, framing as the upstream wrote it.
            InputStream in = client.getInputStream();
            readHead(in);
            for (int i = 0; i < chunks; i++) {
                assertArrayEquals(chunk, readExactly(in, chunk.length), "chunk " + i);
            }
            assertArrayEquals("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), readExactly(in, 5));
        }
        writer.get(20, TimeUnit.SECONDS);
    }

    private static byte[] frame(byte[] data) {
        byte[] size = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(size, size.length + data.length + 2);
        System.arraycopy(data, 0, out, size.length, data.length);
        out[out.length - 2] = '\r';
        out[out.length - 1] = '\n';
        return out;
    }

    /** Accepts one connection, reads its request, writes {@code answer}, closes. */
    private void answerThenClose(String answer) {
        try (Socket s = upstream.accept()) {
            s.setSoTimeout(5000);
            readRequest(s.getInputStream());
            s.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Accepts one connection, reads its request, writes {@code answer}, then waits for the front to close it. */
    private void answerThenHold(String answer) {
        try (Socket s = upstream.accept()) {
            s.setSoTimeout(5000);
            readRequest(s.getInputStream());
            s.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            while (s.getInputStream().read() >= 0) {
                // until the front closes its side
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the front kept the upstream connection of a malformed answer open");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reads a request head and its Content-Length body. */
    private static void readRequest(InputStream in) throws IOException {
        String head = readHead(in);
        int at = head.toLowerCase().indexOf("content-length:");
        if (at >= 0) {
            int length = Integer.parseInt(head.substring(at + 15, head.indexOf("\r\n", at)).strip());
            readExactly(in, length);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (b.size() < 4 || !b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed in the head: " + b.toString(StandardCharsets.ISO_8859_1));
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] out = in.readNBytes(n);
        if (out.length != n) {
            throw new IOException("closed after " + out.length + " of " + n + " bytes: "
                    + new String(out, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                b.write(buf, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a reset ends it as well as a close
        }
        return b.toByteArray();
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
