package dev.hermesfront.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.RawHttp;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SSE events that reach the front together leave it together and unchanged: an upstream that writes 50 events, one
 * chunk each, in a single TCP write gets them to the client as those 50 chunks, byte for byte (the front relays what
 * one read returned in one write, framing included: {@link ChunkedPassThrough}). Before issue 22 Undertow's decoder
 * handed over one chunk per read and each read became its own chunk and write; then {@link GatheringResponseChannel}
 * re-framed them into a few chunks, which is still the path when the pass-through cannot be installed.
 * That no event waits for company is StreamingProxyTest's {@code deliversEachSseEventBeforeTheUpstreamWritesTheNext}.
 */
class SseGatheringTest {
    private static final int EVENTS = 50;

    private static String event(int i) {
        return "data: {\"choices\":[{\"delta\":{\"content\":\"word " + i + " \u00e9\"}}]}\n\n";
    }

    @Test
    void eventsThatArriveTogetherLeaveTogetherUnchanged() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> serveOnce(upstream));
            GatewayConfig cfg = ConfigEdit.edit(FrontFixture.baseConfig()).upstreams(ConfigEdit.timeouts(UpstreamConfig.of(
                    URI.create("http://127.0.0.1:" + upstream.getLocalPort()), Secret.of(FrontFixture.API_KEY)),
                    Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5)), null).get();
            try (FrontFixture front = new FrontFixture(cfg)) {
                String body = "{\"stream\": true}";
                // Keep-alive, so the front frames the stream in chunks (with Connection: close it would not).
                String response = exchange(front.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + front.port()
                        + "\r\nAuthorization: Bearer " + FrontFixture.TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body);
                served.get(5, TimeUnit.SECONDS);
                assertEquals(200, RawHttp.status(response));
                int start = response.indexOf("\r\n\r\n") + 4;
                List<String> chunks = chunks(response.substring(start).getBytes(StandardCharsets.ISO_8859_1));
                StringBuilder expected = new StringBuilder();
                for (int i = 0; i < EVENTS; i++) {
                    expected.append(event(i));
                }
                assertEquals(expected.toString(), String.join("", chunks));
                assertEquals(new String(upstreamBody(), StandardCharsets.ISO_8859_1), response.substring(start),
                        "the upstream's chunks, framing included, byte for byte");
                assertTrue(chunks.size() == EVENTS, "one chunk per event, as the upstream framed them: " + chunks.size());
            }
        }
    }

    /** Sends {@code request}; reads the answer up to the end of its chunked body (5 s at most). */
    private static String exchange(int port, String request) throws java.io.IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n") && (n = s.getInputStream().read(buf)) > 0) {
                got.write(buf, 0, n);
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Answers one request: headers, then every event as its own chunk, all in a single write. */
    private static void serveOnce(ServerSocket upstream) {
        try (Socket s = upstream.accept()) {
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            while (!req.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n{\"stream\": true}")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                req.write(b);
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            out.write(upstreamBody());
            out.flush();
            s.shutdownOutput();
            while (in.read() >= 0) {
                // until the front closes its side
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The upstream's whole chunked body: every event its own chunk, then the last chunk. */
    private static byte[] upstreamBody() throws java.io.IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < EVENTS; i++) {
            byte[] e = event(i).getBytes(StandardCharsets.UTF_8);
            all.write((Integer.toHexString(e.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            all.write(e);
            all.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        all.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return all.toByteArray();
    }

    /** Splits a chunked body into its chunks' data (UTF-8 decoded), up to the last chunk. */
    private static List<String> chunks(byte[] body) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (true) {
            int eol = indexOf(body, i);
            int size = Integer.parseInt(new String(body, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].strip(), 16);
            if (size == 0) {
                return out;
            }
            out.add(new String(body, eol + 2, size, StandardCharsets.UTF_8));
            i = eol + 2 + size + 2;
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        throw new AssertionError("truncated chunked body");
    }
}
