package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The stdio bridge against hostile agents and frames, end to end through /api/ws: an agent that exits while a
 * child it started holds stdout, frames the real agent could not parse, an answer over the line limit.
 */
class AgentHardeningTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String READY =
            "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": {}}}";

    private static ProcessLauncher sh(String script, int maxLineBytes) {
        return new ProcessLauncher(AgentCommand.of(List.of("sh", "-c", "echo '" + READY + "'; " + script), null, Map.of())
                .withGraces(Duration.ofMillis(500), Duration.ofMillis(500)).withMaxLineBytes(maxLineBytes));
    }

    private static void awaitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still alive");
    }

    @Test
    void closesWith1011WhenTheAgentExitsWhileAChildThatIgnoresSigtermHoldsStdout() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/usr/bin/setsid")) || Files.isRegularFile(Path.of("/bin/setsid")), "needs setsid");
        try (TestGateway gw = TestGateway.start(sh("trap '' TERM; sleep 1000 & echo \"{\\\"child\\\": $!}\"; read x; exit 4", 1 << 20),
                c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
             WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertTrue(c.next().contains("gateway.ready"));
            long child = MAPPER.readTree(c.next()).path("child").asLong();
            try {
                c.send("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"bye\"}");
                assertEquals(1011, c.closeCode());
                assertEquals("agent exited with status 4", c.closeReason());
                awaitGone(child);
            } finally {
                ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void answersFramesTheRealAgentCouldNotParseAndKeepsTheAgent() throws Exception {
        try (TestGateway gw = TestGateway.withEchoAgent(); WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            long pid = MAPPER.readTree(c.next()).path("params").path("payload").path("pid").asLong();
            String parseError = "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32700, \"message\": \"parse error\"}, \"id\": null}";
            c.send("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"m\", \"params\": {\"n\": " + "9".repeat(5000) + "}}");
            assertEquals(parseError, c.next());
            c.send("{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"m\", \"params\": {\"n\": " + "[".repeat(1000) + "]".repeat(1000) + "}}");
            assertEquals(parseError, c.next());
            c.send("{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": \"\\ud800\"}");
            assertEquals("{\"jsonrpc\": \"2.0\", \"id\": 3, \"error\": {\"code\": -32601, \"message\": \"unknown method: \\ud800\"}}", c.next());
            // At the bounds, frames pass through to the agent (EchoAgent echoes them).
            String atBound = "{\"jsonrpc\": \"2.0\", \"id\": 4, \"method\": \"m\", \"params\": {\"n\": " + "9".repeat(4300) + "}}";
            c.send(atBound);
            assertEquals(atBound, c.next());
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        }
    }

    @Test
    void answersARequestWhoseResponseIsOverTheLineLimit() throws Exception {
        try (TestGateway gw = TestGateway.start(sh("read line; printf '{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"result\": {\"x\": \"%s\"}}\\n' "
                        + "\"$(head -c 3000 /dev/zero | tr '\\0' a)\"; echo '{\"id\": \"r2\", \"result\": {}}'; exec cat >/dev/null", 1000),
                c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
             WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertTrue(c.next().contains("gateway.ready"));
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.resume\", \"params\": {}}");
            String answer = c.next();
            assertEquals(-32051, MAPPER.readTree(answer).path("error").path("code").asInt(), answer);
            assertEquals("r1", MAPPER.readTree(answer).path("id").asText());
            assertEquals("{\"id\": \"r2\", \"result\": {}}", c.next());
        }
    }

    @Test
    void echoAgentIsStillOneProcessUnderItsOwnPid() throws Exception {
        // EchoAgent reports ProcessHandle.current().pid(): with setsid in front it must be the pid the gateway holds.
        try (TestGateway gw = TestGateway.withEchoAgent(); WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            long pid = MAPPER.readTree(c.next()).path("params").path("payload").path("pid").asLong();
            assertTrue(ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(cmd -> cmd.endsWith("java")).orElse(false));
            assertEquals(ProcessHandle.current().pid(), ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L));
        }
    }
}
