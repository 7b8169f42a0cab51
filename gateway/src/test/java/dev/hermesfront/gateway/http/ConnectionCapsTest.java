package dev.hermesfront.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.Pools;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.config.PoolSettings;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, F7: idle unauthenticated connections cannot make the front unreachable. One address holds at most its
 * cap (one more is closed at once) while a credentialed client from another address is served; a connection that
 * makes no request with a credential is closed after the handshake timeout, while a credentialed keep-alive
 * connection stays. The "other address" is 127.0.0.2, which Linux routes to the loopback interface.
 */
class ConnectionCapsTest {
    private static final int CAP = 24;
    private final List<Socket> sockets = new ArrayList<>();
    private TestGateway gw;

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (gw != null) {
            gw.close();
        }
    }

    private Socket connect(String from) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", gw.port()), 5000);
        return s;
    }

    /** Returns true when the server closed {@code s} (EOF or reset) within {@code wait}; false when it stayed open. */
    private static boolean closedByServer(Socket s, Duration wait) throws IOException {
        s.setSoTimeout((int) wait.toMillis());
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /**
     * Waits up to {@code wait} until at least one of the open sockets was closed by the server; returns how many were,
     * closing them here too (a socket that saw EOF is closed, so later sweeps skip it).
     */
    private int closedWithin(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        int closed = 0;
        do {
            for (Socket s : sockets) {
                if (!s.isClosed() && closedByServer(s, Duration.ofMillis(5))) {
                    s.close();
                    closed++;
                }
            }
        } while (closed == 0 && System.nanoTime() < deadline);
        return closed;
    }

    private static String get(Socket s, String path, boolean credential) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (credential ? "Authorization: Bearer " + TestGateway.TOKEN + "\r\n" : "")
                + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after: " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void oneAddressHoldsItsCapWhileACredentialedClientFromAnotherIsServed() throws Exception {
        gw = TestGateway.start(new DemoLauncher(new ObjectMapper(), new FrameCodec()),
                c -> ConfigEdit.edit(c).connections(0, CAP, Duration.ofMinutes(5)).get());
        for (int i = 0; i < CAP; i++) {
            connect("127.0.0.1");
        }
        connect("127.0.0.1");
        // The server accepts in its own order (several IO threads): whichever it accepted last is the one closed.
        assertEquals(1, closedWithin(Duration.ofSeconds(5)), "one of " + (CAP + 1) + " connections of one address is closed at once");
        Socket other = connect("127.0.0.2");
        String metrics = get(other, "/metrics", true);
        assertTrue(metrics.startsWith("HTTP/1.1 200"), "a credentialed client from another address is served");
        assertTrue(metrics.contains("hermes_front_connections_refused_total 1.0"), "the refusal is counted");
        // The flood's own sockets are still open (the cap closes only the ones past it), and nothing was served to them.
        assertEquals(0, closedWithin(Duration.ofMillis(300)), "the others stay open, within the address's cap");
        sockets.removeIf(Socket::isClosed);
        sockets.get(0).close();
        sockets.get(1).close();
        Socket again = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            again = connect("127.0.0.1");
            if (!closedByServer(again, Duration.ofMillis(300))) {
                break;
            }
            again = null;
        }
        assertTrue(again != null && get(again, "/metrics", true).startsWith("HTTP/1.1 200"), "a closed slot is free again");
    }

    @Test
    void byDefaultOneAddressHolds256IdleConnectionsAndASilentOneIsClosedWithin10Seconds() throws Exception {
        gw = TestGateway.start(new DemoLauncher(new ObjectMapper(), new FrameCodec()), c -> c);
        for (int i = 0; i < 256; i++) {
            connect("127.0.0.1");
        }
        connect("127.0.0.1");
        assertEquals(1, closedWithin(Duration.ofSeconds(5)), "one of 257 connections of one address is closed at once");
        Socket other = connect("127.0.0.2");
        assertTrue(get(other, "/metrics", true).startsWith("HTTP/1.1 200"), "a credentialed client from another address is served");
        Socket first = sockets.stream().filter(x -> !x.isClosed()).findFirst().orElseThrow();
        assertTrue(closedByServer(first, Duration.ofSeconds(15)), "an idle connection without a credential is closed");
    }

    @Test
    void aCredentialRemovesTheHandshakeDeadlineSoItHoldsNothingOfTheConnection() throws Exception {
        // A pending deadline holds its connection, and after a WebSocket upgrade everything its listeners reach, for
        // the whole timeout: under a connect-request-close storm that was ten seconds of every connection (issue 22).
        try (Pools pools = Pools.start(PoolSettings.defaults());
             FrontListener listener = FrontListener.open(pools.worker(), new InetSocketAddress("127.0.0.1", 0), ex -> {
                 if (ex.getRequestPath().equals("/with-credential")) {
                     ConnectionCaps.credentialed(ex);
                 }
                 ex.getResponseSender().send("ok");
             }, 1024, new FrontListener.Caps(100, 100, Duration.ofSeconds(30)))) {
            int port = listener.address().getPort();
            List<Socket> mine = new ArrayList<>();
            for (String path : List.of("/with-credential", "/without", "/with-credential")) {
                Socket s = new Socket("127.0.0.1", port);
                sockets.add(s);
                mine.add(s);
                s.setSoTimeout(5000);
                s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] head = new byte[16];
                assertEquals(16, s.getInputStream().readNBytes(head, 0, 16), "answered");
            }
            assertEquals(1, listener.caps().awaitingCredential(), "only the connection without a credential keeps its deadline");
            assertEquals(3, listener.caps().tracked());
        }
    }

    @Test
    void aConnectionWithoutACredentialIsClosedAfterTheHandshakeTimeoutACredentialedOneStays() throws Exception {
        gw = TestGateway.start(new DemoLauncher(new ObjectMapper(), new FrameCodec()),
                c -> ConfigEdit.edit(c).connections(0, 100, Duration.ofMillis(500)).get());
        Socket idle = connect("127.0.0.1");
        Socket anonymous = connect("127.0.0.1");
        assertEquals(200, Integer.parseInt(get(anonymous, "/front/health", false).substring(9, 12)), "public route answered");
        Socket credentialed = connect("127.0.0.1");
        assertTrue(get(credentialed, "/metrics", true).startsWith("HTTP/1.1 200"));
        assertTrue(closedByServer(idle, Duration.ofSeconds(10)), "a silent connection is closed");
        assertTrue(closedByServer(anonymous, Duration.ofSeconds(10)), "a connection with only public requests is closed");
        Thread.sleep(700);
        assertTrue(get(credentialed, "/metrics", true).startsWith("HTTP/1.1 200"), "a credentialed keep-alive connection stays");
    }
}
