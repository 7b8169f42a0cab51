package dev.hermesfront.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21, F10: a configuration whose credentials share a token or a Basic user and password is refused, at start
 * and on reload, naming the credentials and never the secret; a reload that leaves no credential is refused and
 * changes nothing; a SIGHUP ignored at start (nohup) is said once, pointing at {@code POST /front/reload}.
 */
class ReloadValidationTest {
    private static final String ADMIN = "admin-token-0123456789";
    private static final String SHARED = "shared-token-0123456789";
    private GatewayServer server;

    private static GatewayConfig config(Credential... creds) {
        return GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Credentials.of(List.of(creds)));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoCredentialsWithOneTokenOrOneBasicPairAreRefusedByName() {
        ConfigException e = assertThrows(ConfigException.class, () -> Credentials.of(List.of(
                new Credential.Token("laptop", Secret.of(SHARED), "read"), new Credential.Token("phone", Secret.of(SHARED), "admin"))));
        assertTrue(e.getMessage().contains("laptop") && e.getMessage().contains("phone") && e.getMessage().contains("same token"),
                e.getMessage());
        assertFalse(e.getMessage().contains(SHARED), "never the secret");
        e = assertThrows(ConfigException.class, () -> Credentials.of(List.of(
                new Credential.Basic("a", "coord", Secret.of(SHARED), "read"), new Credential.Basic("b", "coord", Secret.of(SHARED), "chat"))));
        assertTrue(e.getMessage().contains("Basic user and password"), e.getMessage());
        // The same user with another password, or the same password for another user, is a different credential.
        Credentials.of(List.of(new Credential.Basic("a", "coord", Secret.of(SHARED), "read"),
                new Credential.Basic("b", "coord", Secret.of(ADMIN), "chat"), new Credential.Basic("c", "ops", Secret.of(SHARED), "chat")));
    }

    @Test
    void aReloadGivingTwoCredentialsOneTokenIsRefusedAndChangesNothing() throws Exception {
        server = GatewayServer.builder(config(new Credential.Token("admin", Secret.of(ADMIN), "admin"),
                new Credential.Token("laptop", Secret.of(SHARED), "read")), new DemoLauncher(new ObjectMapper(), new FrameCodec())).source(() -> new ConfigSource.Fresh(config(new Credential.Token("admin", Secret.of(ADMIN), "admin"),
                        new Credential.Token("laptop", Secret.of(SHARED), "read"), new Credential.Token("phone", Secret.of(SHARED), "admin")),
                        List.of())).build().start();
        ReloadReport r = server.reload();
        assertFalse(r.applied(), r.summary());
        assertTrue(r.summary().contains("same token") && !r.summary().contains(SHARED), r.summary());
        assertEquals(2, server.running().auth().credentials().all().size(), "the running credentials stay");
        try (WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws?token=" + SHARED))) {
            assertTrue(c.next().contains("gateway.ready"), "laptop still attaches");
        }
    }

    @Test
    void aSighupIgnoredAtStartIsSaidOnceWithTheWayToReload() throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cmd = "trap '' HUP; exec '" + java + "' -Xshare:auto -XX:TieredStopAtLevel=1 -cp \"$CP\" '" + IgnoredHup.class.getName() + "'";
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true);
        pb.environment().put("CP", System.getProperty("java.class.path"));
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe finished");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(out.contains("SIGHUP was ignored") && out.contains("POST /front/reload"), out);
            assertEquals(1, out.split("SIGHUP was ignored", -1).length - 1, "once: " + out);
        } finally {
            p.destroyForcibly();
        }
    }

    /** Installs the reload handler the way {@code serve} does, then exits. */
    public static final class IgnoredHup {
        public static void main(String[] args) {
            try (SignalReload r = SignalReload.install(() -> { })) {
                System.err.flush();
            }
        }
    }
}
