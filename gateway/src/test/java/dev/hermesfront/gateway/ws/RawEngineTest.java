package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.config.Settings;
import dev.hermesfront.gateway.ws.raw.WsFrameReader;
import dev.hermesfront.gateway.ws.raw.WsFrames;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What only the raw engine ({@code tui.ws_engine = raw}) does, seen on the wire from a plain socket: the upgrade
 * answer (accept key, the one subprotocol, no extension), an unmasked client frame closed 1002, a client's ping
 * answered with its payload, a burst of calls in one write all answered in order, and the close handshake.
 */
class RawEngineTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static TestGateway gateway() throws Exception {
        return TestGateway.start(new DemoLauncher(MAPPER, new FrameCodec()), c -> ConfigEdit.edit(c).set(Settings.WS_ENGINE, "raw")
                .parking(dev.hermesfront.bridge.park.ParkingPolicy.disabled()).get());
    }

    /** A client on a plain socket: it writes what the test says and reads with the codec under test (unmasked frames). */
    private static final class Client implements AutoCloseable {
        final Socket s;
        final InputStream in;
        final OutputStream out;
        final String head;
        final WsFrameReader reader = new WsFrameReader(false, 1 << 20);
        final List<String> heard = new ArrayList<>();

        Client(int port, String extraHeaders) throws IOException {
            this(port, extraHeaders, 0);
        }

        /** {@code buffers}: socket buffer sizes to ask for (0: the system's). */
        Client(int port, String extraHeaders, int buffers) throws IOException {
            s = new Socket();
            if (buffers > 0) {
                s.setReceiveBufferSize(buffers);
                s.setSendBufferSize(buffers);
            }
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            s.setSoTimeout(10_000);
            in = s.getInputStream();
            out = s.getOutputStream();
            out.write(("GET /api/ws?token=" + TestGateway.TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders
                    + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream h = new ByteArrayOutputStream();
            while (!h.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed in the handshake: " + h);
                }
                h.write(b);
            }
            head = h.toString(StandardCharsets.ISO_8859_1);
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        /** Reads until {@code n} events were heard (texts, pongs, closes). */
        List<String> read(int n) throws Exception {
            byte[] buf = new byte[8192];
            WsFrameReader.Handler h = new WsFrameReader.Handler() {
                @Override
                public void text(WireFrame frame) {
                    heard.add(frame.text());
                }

                @Override
                public void ping(byte[] payload) {
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
                reader.feed(ByteBuffer.wrap(buf, 0, k), h);
            }
            List<String> r = new ArrayList<>(heard.subList(0, Math.min(n, heard.size())));
            heard.subList(0, r.size()).clear();
            return r;
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    private static byte[] masked(int opcode, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = WsFrames.frame(true, opcode, p, 0, p.length, true, 0x1234abcd);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void upgradesSelectsTheOneSubprotocolAndAnswersABurstInOrder() throws Exception {
        try (TestGateway gw = gateway();
             Client c = new Client(gw.port(), "Sec-WebSocket-Protocol: other, hermes-gateway-v1\r\nSec-WebSocket-Extensions: permessage-deflate\r\n")) {
            assertTrue(c.head.startsWith("HTTP/1.1 101"), c.head);
            assertTrue(c.head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "the RFC's accept key for the RFC's nonce: " + c.head);
            assertTrue(c.head.toLowerCase().contains("sec-websocket-protocol: hermes-gateway-v1"), c.head);
            assertTrue(!c.head.toLowerCase().contains("sec-websocket-extensions"), "no extension negotiated: " + c.head);
            assertTrue(c.read(1).get(0).contains("gateway.ready"));
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 30; i++) {
                burst.writeBytes(masked(WsFrames.TEXT, "{\"jsonrpc\": \"2.0\", \"id\": \"b" + i + "\", \"method\": \"gateway.ping\", \"params\": {}}"));
            }
            burst.writeBytes(masked(WsFrames.PING, "still there?"));
            c.write(burst.toByteArray());
            List<String> got = c.read(31);
            assertTrue(got.contains("pong:still there?"), got.toString());
            got.remove("pong:still there?");
            for (int i = 0; i < 30; i++) {
                assertTrue(got.get(i).contains("\"id\": \"b" + i + "\""), "answer " + i + ": " + got.get(i));
            }
            c.write(masked(WsFrames.CLOSE, ""));
            assertEquals(List.of("close:1000"), c.read(1));
        }
    }

    @Test
    void anUnmaskedClientFrameIsClosed1002() throws Exception {
        try (TestGateway gw = gateway(); Client c = new Client(gw.port(), "")) {
            assertTrue(c.read(1).get(0).contains("gateway.ready"));
            byte[] p = "{}".getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = WsFrames.frame(true, WsFrames.TEXT, p, 0, p.length, false, 0);
            byte[] raw = new byte[b.remaining()];
            b.get(raw);
            c.write(raw);
            assertEquals(List.of("close:1002"), c.read(1));
        }
    }

    /**
     * A client that floods pings and reads none of the pongs is not read further once the front's writes to it back
     * up: its own writes stop being taken, and the front holds a socket's worth of pongs, not one per ping.
     */
    @Test
    void aClientThatSendsPingsAndReadsNothingIsNotReadEither() throws Exception {
        try (TestGateway gw = gateway(); Client c = new Client(gw.port(), "", 16 * 1024)) {
            byte[] ping = masked(WsFrames.PING, "p".repeat(125));
            byte[] burst = new byte[ping.length * 64];
            for (int i = 0; i < 64; i++) {
                System.arraycopy(ping, 0, burst, i * ping.length, ping.length);
            }
            long cap = 256L << 20;
            java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    while (written.get() < cap) {
                        c.out.write(burst);
                        written.addAndGet(burst.length);
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
            }, "ping-flood");
            writer.setDaemon(true);
            writer.start();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            long last = -1;
            long stillSince = System.nanoTime();
            while (System.nanoTime() < deadline && written.get() < cap) {
                Thread.sleep(200);
                long now = written.get();
                if (now != last) {
                    last = now;
                    stillSince = System.nanoTime();
                } else if (System.nanoTime() - stillSince > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1500)) {
                    break; // the writer is blocked: the front stopped reading
                }
            }
            assertTrue(written.get() < cap, "the front read " + (cap >> 20) + " MiB of pings from a client that reads nothing");
            assertTrue(writer.isAlive(), "the flood was not held");
        }
    }
}
