package dev.hermesfront.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.ops.ConfigSource;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS on the listener: https and wss with PEM files, a renewed certificate on reload, and the plaintext refusal. */
class TlsListenerTest {
    private static final String TOKEN = "tls-test-token-0123456789";

    @TempDir
    Path dir;

    private GatewayServer start(GatewayConfig cfg) throws Exception {
        GatewayConfig c = cfg;
        return GatewayServer.builder(c, new DemoLauncher(new ObjectMapper(), new FrameCodec())).source(() -> new ConfigSource.Fresh(c, List.of())).build()
                .start();
    }

    private GatewayConfig tlsConfig(TestCertificate cert) {
        GatewayConfig base = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(TOKEN));
        return base.withRemote(base.remote().withTls(cert.cert(), cert.key()));
    }

    @Test
    void servesHttpsAndWssFromPemFiles() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "front", "EC");
        try (GatewayServer server = start(tlsConfig(cert))) {
            assertTrue(server.secure());
            HttpClient http = HttpClient.newBuilder().sslContext(cert.trust()).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/front/health"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.HTTP_1_1, r.version());
            try (WsTestClient ws = WsTestClient.connect(URI.create("wss://127.0.0.1:" + server.port() + "/api/ws?token=" + TOKEN), http)) {
                assertTrue(ws.next().contains("gateway.ready"));
                ws.send("{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"session.create\",\"params\":{}}");
                String reply = ws.next();
                while (reply.contains("\"event\"")) {
                    reply = ws.next();
                }
                assertTrue(reply.contains("\"result\""), reply);
            }
            // Plaintext on the TLS port is not served.
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/front/health")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void reloadServesARenewedCertificateWithoutARestart() throws Exception {
        TestCertificate first = TestCertificate.create(dir, "first", "EC");
        TestCertificate renewed = TestCertificate.create(dir, "renewed", "RSA");
        Path cert = dir.resolve("live.pem");
        Path key = dir.resolve("live-key.pem");
        Files.copy(first.cert(), cert);
        Files.copy(first.key(), key);
        GatewayConfig base = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(TOKEN));
        try (GatewayServer server = start(base.withRemote(base.remote().withTls(cert, key)))) {
            HttpClient http = HttpClient.newBuilder().sslContext(TestCertificate.trusting(first.certificate(), renewed.certificate()))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            assertEquals("CN=first", served(http, server));
            Files.copy(renewed.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
            assertTrue(server.reload().changed().contains("tls.cert"), "the reload reports the new certificate");
            HttpClient fresh = HttpClient.newBuilder().sslContext(TestCertificate.trusting(first.certificate(), renewed.certificate()))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            assertEquals("CN=renewed", served(fresh, server));
            // A broken renewal keeps the running certificate.
            Files.writeString(key, "not a key");
            assertTrue(server.reload().restartNeeded().stream().anyMatch(s -> s.startsWith("tls.cert")));
            HttpClient third = HttpClient.newBuilder().sslContext(TestCertificate.trusting(first.certificate(), renewed.certificate()))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            assertEquals("CN=renewed", served(third, server));
        }
    }

    private static String served(HttpClient http, GatewayServer server) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/front/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    @Test
    void refusesAPlaintextBindOnANonLoopbackAddressAndSaysWhatToDo() throws Exception {
        GatewayConfig cfg = GatewayConfig.of(new InetSocketAddress("0.0.0.0", 0), Secret.of(TOKEN));
        GatewayServer server = GatewayServer.builder(cfg, new DemoLauncher(new ObjectMapper(), new FrameCodec())).build();
        ConfigException e = assertThrows(ConfigException.class, server::start);
        assertTrue(e.getMessage().contains("--tls-cert") && e.getMessage().contains("--insecure-plaintext")
                && e.getMessage().contains("Tailscale"), e.getMessage());
        server.close();
    }

    @Test
    void classifiesTheBindAddress() throws Exception {
        assertEquals(ListenSecurity.LOOPBACK, ListenSecurity.of(new InetSocketAddress("127.0.0.1", 1), false, false));
        assertEquals(ListenSecurity.TLS, ListenSecurity.of(new InetSocketAddress("0.0.0.0", 1), true, false));
        assertEquals(ListenSecurity.TAILSCALE, ListenSecurity.of(new InetSocketAddress(InetAddress.getByName("100.101.102.103"), 1),
                false, false));
        assertEquals(ListenSecurity.TAILSCALE, ListenSecurity.of(new InetSocketAddress(InetAddress.getByName("fd7a:115c:a1e0::1"), 1),
                false, false));
        assertEquals(ListenSecurity.REFUSED, ListenSecurity.of(new InetSocketAddress(InetAddress.getByName("100.128.0.1"), 1), false,
                false), "100.128/9 is outside Tailscale's 100.64.0.0/10");
        assertEquals(ListenSecurity.REFUSED, ListenSecurity.of(new InetSocketAddress(InetAddress.getByName("192.168.1.5"), 1), false,
                false));
        assertEquals(ListenSecurity.INSECURE, ListenSecurity.of(new InetSocketAddress(InetAddress.getByName("192.168.1.5"), 1), false,
                true));
    }

    @Test
    void readsTheKeyFormatsOfTailscaleCertAndOpenssl() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl not installed");
        TestCertificate ec = TestCertificate.create(dir, "ec", "EC");
        TestCertificate rsa = TestCertificate.create(dir, "rsa", "RSA");
        Path sec1 = dir.resolve("sec1.pem");
        Path pkcs1 = dir.resolve("pkcs1.pem");
        run("openssl", "ec", "-in", ec.key().toString(), "-out", sec1.toString());
        run("openssl", "rsa", "-traditional", "-in", rsa.key().toString(), "-out", pkcs1.toString());
        assertTrue(Files.readString(sec1).contains("BEGIN EC PRIVATE KEY"));
        assertTrue(Files.readString(pkcs1).contains("BEGIN RSA PRIVATE KEY"));
        assertTrue(ServerTls.load(ec.cert(), sec1).describe().contains("CN=ec"));
        assertTrue(ServerTls.load(rsa.cert(), pkcs1).describe().contains("CN=rsa"));
        java.io.IOException wrong = assertThrows(java.io.IOException.class, () -> ServerTls.load(ec.cert(), pkcs1));
        assertTrue(wrong.getMessage().contains("does not belong"), wrong.getMessage());
    }

    private static void run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    }
}
