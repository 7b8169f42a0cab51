package dev.hermesfront.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.replay.ReplayLauncher;
import dev.hermesfront.protocol.transcript.Transcript;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance suite over {@code wss://}: the gateway serves TLS from PEM files (a certificate keytool makes for
 * this run), the runner's WebSockets trust exactly that certificate, and every transcript must pass in rules mode
 * as it does in plaintext.
 */
class TlsConformanceTest {
    private static final Rules RULES = Rules.resolve(Optional.of(TranscriptFiles.projectTranscripts().resolve(TranscriptFiles.RULES)), false);
    private static Path dir;
    private static Path cert;
    private static Path key;
    private static ReplayRunner runner;

    @BeforeAll
    static void certificate() throws Exception {
        dir = Files.createTempDirectory("tls-conformance");
        Path store = dir.resolve("front.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "t", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        X509Certificate c = (X509Certificate) ks.getCertificate("t");
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        Files.writeString(cert, pem("CERTIFICATE", c.getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY", ks.getKey("t", "changeit".toCharArray()).getEncoded()));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("front", c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        runner = new ReplayRunner(HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build());
    }

    @AfterAll
    static void clean() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static Stream<Path> transcripts() {
        return TranscriptFiles.expand(List.of(TranscriptFiles.projectTranscripts())).stream();
    }

    @ParameterizedTest(name = "{0} over wss")
    @MethodSource("transcripts")
    void everyTranscriptPassesOverTls(Path file) throws Exception {
        Transcript t = Transcript.read(file);
        FileRules rules = RULES.forFile(t.name(), TargetKind.REPLAY);
        assumeTrue(rules.applies(), rules::skipReason);
        ReplayLauncher launcher = ReplayLauncher.of(t);
        if (rules.agentExit().isPresent()) {
            launcher = launcher.exitingAtEof(rules.agentExit().getAsInt());
        }
        TranscriptResult result;
        try (InProcessGateway gateway = InProcessGateway.start(launcher, ParkingPolicy.disabled(), cert, key)) {
            assertEquals("wss", gateway.uri().getScheme());
            result = runner.run(t, file.toString(), rules, gateway.uri(), RunOptions.of(TargetKind.REPLAY).withWait(Duration.ofSeconds(10)));
        }
        assertEquals(TranscriptResult.Status.PASSED, result.status(), result::render);
        assertEquals(List.of(), launcher.mismatches(), "client frames as the agent received them");
    }
}
