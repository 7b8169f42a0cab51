package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.gateway.EchoAgent;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /api/ws bridged to a real child process ({@link EchoAgent}) over stdio. */
class StdioBridgeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = TestGateway.withEchoAgent();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    /**
     * Waits (10 s at most) until no live process has {@code pid}. It polls: the launcher reaps a spawned agent itself
     * (waitpid from its exit check, no JDK thread per agent), so for a few milliseconds after {@code onExit()} the agent
     * may still be a zombie, which {@link ProcessHandle#isAlive} counts as alive.
     */
    static boolean gone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static long readyPid(WsTestClient c) throws Exception {
        String ready = c.next();
        assertTrue(ready.contains("\"gateway.ready\""), ready);
        return MAPPER.readTree(ready).path("params").path("payload").path("pid").asLong();
    }

    @Test
    void passesFramesThroughByteForByteBothWays() throws Exception {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            readyPid(c);
            List<String> frames = List.of(
                    "{\"jsonrpc\":\"2.0\",\"id\":\"r1\",\"method\":\"session.create\",\"params\":{\"cols\":80}}",
                    "{ \"id\" : 1 , \"method\" : \"x\" , \"params\" : { \"f\" : 1.50 , \"e\" : 1e3 } }",
                    "{\"id\": \"1\", \"method\": \"\u00e9\u2695\ud83d\ude00\", \"params\": {\"s\": \"\\u00e9\\n\\t\"}}",
                    "{\"id\": null, \"method\": \"no.such\", \"unknown_member\": {\"seq\": 7}}",
                    "{\"jsonrpc\": \"2.0\", \"id\": \"srq-1\", \"result\": {\"answer\": \"ok\"}}");
            for (String f : frames) {
                c.send(f);
                assertEquals(f, c.next(), "agent echo must equal what the client sent");
            }
        }
    }

    @Test
    void keepsOrderUnderLoad() throws Exception {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            readyPid(c);
            int n = 2000;
            for (int i = 0; i < n; i++) {
                c.send("{\"id\": " + i + ", \"method\": \"m\"}");
            }
            for (int i = 0; i < n; i++) {
                assertEquals("{\"id\": " + i + ", \"method\": \"m\"}", c.next());
            }
            c.send("{\"cmd\": \"flood\", \"method\": \"echo.cmd\", \"n\": 5000}");
            for (int i = 0; i < 5000; i++) {
                assertEquals("{\"n\": " + i + "}", c.next());
            }
        }
    }

    @Test
    void removesCrAndLfSoAPrettyPrintedMessageStaysOneLine() throws Exception {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            readyPid(c);
            c.send("{\r\n  \"jsonrpc\": \"2.0\",\n  \"id\": \"a3\",\r  \"method\": \"no.such\"\n}\n");
            assertEquals("{  \"jsonrpc\": \"2.0\",  \"id\": \"a3\",  \"method\": \"no.such\"}", c.next());
            assertNull(c.poll(Duration.ofMillis(300)), "one client message must be one agent line");
        }
    }

    @Test
    void forwardsNonJsonAgentOutputWithoutBreaking() throws Exception {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            readyPid(c);
            c.send("{\"cmd\": \"raw\", \"method\": \"echo.cmd\", \"text\": \"Traceback (most recent call last): not json\"}");
            assertEquals("Traceback (most recent call last): not json", c.next());
            c.send("{\"id\": 2, \"method\": \"still.alive\"}");
            assertEquals("{\"id\": 2, \"method\": \"still.alive\"}", c.next());
        }
    }

    @Test
    void closesClientWith1011AfterTheAgentsLastFramesWhenTheAgentCrashes() throws Exception {
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            long pid = readyPid(c);
            c.send("{\"cmd\": \"crash\", \"method\": \"echo.cmd\", \"code\": 3}");
            assertEquals("{\"last\": \"words\"}", c.next());
            assertEquals(1011, c.closeCode());
            assertEquals("agent exited with status 3", c.closeReason());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        }
    }

    @Test
    void stopsTheAgentWhenTheClientLeaves() throws Exception {
        long pid;
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            pid = readyPid(c);
            assertTrue(ProcessHandle.of(pid).isPresent());
        }
        assertTrue(gone(pid), "pid " + pid + " still alive");
    }

    @Test
    void killsAnAgentThatIgnoresStdinEof() throws Exception {
        long pid;
        try (WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            pid = readyPid(c);
            c.send("{\"cmd\": \"hang\", \"method\": \"echo.cmd\"}");
            c.send("{\"id\": 1, \"method\": \"sync\"}");
            c.next();
        }
        // stop grace 2 s, then SIGTERM (the JVM exits on it)
        assertTrue(gone(pid), "pid " + pid + " still alive");
    }

    @Test
    void givesEachClientItsOwnAgentAndOneCrashHarmsNoOther() throws Exception {
        try (WsTestClient a = WsTestClient.connect(gw.wsUri()); WsTestClient b = WsTestClient.connect(gw.wsUri())) {
            long pa = readyPid(a);
            long pb = readyPid(b);
            assertTrue(pa != pb);
            a.send("{\"cmd\": \"crash\", \"method\": \"echo.cmd\", \"code\": 1}");
            assertEquals(1011, a.closeCode());
            b.send("{\"id\": \"b1\", \"method\": \"x\"}");
            assertEquals("{\"id\": \"b1\", \"method\": \"x\"}", b.next());
        }
    }

    @Test
    void leavesNoProcessBehindOnShutdown() throws Exception {
        List<Long> pids = new ArrayList<>();
        List<WsTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WsTestClient c = WsTestClient.connect(gw.wsUri());
            clients.add(c);
            pids.add(readyPid(c));
        }
        gw.close();
        for (WsTestClient c : clients) {
            assertEquals(1001, c.closeCode());
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid);
        }
    }
}
