package dev.hermesfront.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.EchoAgent;
import dev.hermesfront.gateway.GatewayMainAccess;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.RemoteSettings;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code doctor}'s tls line says which case of the transport applies. */
class DoctorTlsTest {
    @TempDir
    Path dir;

    private String doctor(String... extra) {
        return doctor(0, extra);
    }

    private String doctor(int port, String... extra) {
        String agent = String.join(" ", TestGateway.javaMain(EchoAgent.class).argv().stream().map(a -> "'" + a + "'").toList());
        String[] args = new String[6 + extra.length];
        System.arraycopy(new String[] {"doctor", "--listen", "127.0.0.1:" + port, "--agent-cmd", agent, "--api-upstream=off"}, 0, args, 0, 6);
        System.arraycopy(extra, 0, args, 6, extra.length);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = GatewayMainAccess.run(Map.of(), dir, args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        return out;
    }

    /** Run beside its running TLS front (same settings), doctor recognises it instead of failing the bind check. */
    @Test
    void recognisesItsRunningTlsFrontOnTheAddress() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "front", "EC");
        GatewayConfig base = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of("doctor-tls-token-0123456789"));
        GatewayConfig cfg = base.withRemote(RemoteSettings.none().withStateDir(dir.resolve("state")).withTls(cert.cert(), cert.key()));
        try (GatewayServer server = GatewayServer.builder(cfg, new DemoLauncher(new ObjectMapper(), new FrameCodec())).build().start()) {
            String out = doctor(server.port(), "--tls-cert", cert.cert().toString(), "--tls-key", cert.key().toString());
            assertTrue(out.lines().anyMatch(l -> l.equals("ok    bind       127.0.0.1:" + server.port()
                    + " is in use by a running hermes-front (its /front/health answers)")), out);
        }
    }

    @Test
    void reportsLoopbackAndTlsAndWarnsOfACertificateNearItsEnd() throws Exception {
        assertTrue(doctor().lines().anyMatch(l -> l.startsWith("ok    tls        loopback")), doctor());
        TestCertificate cert = TestCertificate.create(dir, "front", "EC");
        String out = doctor("--tls-cert", cert.cert().toString(), "--tls-key", cert.key().toString());
        // The test certificate lives 2 days: within 14 days of its end, doctor warns (and still exits 0).
        assertTrue(out.lines().anyMatch(l -> l.startsWith("warn  tls        TLS: https and wss; CN=front [127.0.0.1, localhost], valid until")
                && l.contains("fix: renew it")), out);
    }
}
