package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The real gateway process on SIGTERM: clients closed 1001, agents stopped, bounded exit, nothing left behind. */
class ShutdownTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path state;

    @Test
    void stopsCleanlyOnSigterm() throws Exception {
        String agent = String.join(" ", TestGateway.javaMain(EchoAgent.class).argv().stream().map(a -> "'" + a + "'").toList());
        List<String> cmd = new ArrayList<>(TestGateway.javaMain(GatewayMain.class).argv());
        cmd.addAll(List.of("serve", "--listen", "127.0.0.1:0", "--token", "sigterm-token", "--api-upstream", "off",
                "--agent-cmd", agent, "--agent-stop-grace", "2", "--hermes-home", System.getProperty("java.io.tmpdir"),
                "--state-dir", state.toString()));
        Process gw = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(gw.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
                try {
                    Pattern p = Pattern.compile("ready in \\d+ ms on 127\\.0\\.0\\.1:(\\d+)");
                    for (String line; (line = out.readLine()) != null; ) {
                        Matcher m = p.matcher(line);
                        if (m.find()) {
                            return Integer.parseInt(m.group(1));
                        }
                    }
                    return -1;
                } catch (java.io.IOException e) {
                    return -1;
                }
            });
            int p = port.get(30, TimeUnit.SECONDS);
            assertTrue(p > 0, "gateway did not report its port");
            List<WsTestClient> clients = new ArrayList<>();
            List<Long> agents = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + p + "/api/ws?token=sigterm-token"));
                clients.add(c);
                agents.add(MAPPER.readTree(c.next()).path("params").path("payload").path("pid").asLong());
            }
            long t0 = System.nanoTime();
            gw.destroy(); // SIGTERM
            for (WsTestClient c : clients) {
                assertEquals(1001, c.closeCode());
            }
            assertTrue(gw.waitFor(15, TimeUnit.SECONDS), "gateway must exit within a bounded time");
            assertTrue((System.nanoTime() - t0) / 1e9 < 15);
            for (long pid : agents) {
                assertNotNull(pid);
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "agent " + pid + " left behind");
            }
        } finally {
            gw.destroyForcibly();
            gw.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
