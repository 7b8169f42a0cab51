package dev.hermesfront.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.Pools;
import dev.hermesfront.gateway.config.PoolSettings;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front's own listener speaks TLS when given a context (what the pairing work's certificate needs), with the
 * connection caps in front of the handshake: a TLS client is served, a socket that never starts its handshake is
 * closed after the pre-credential timeout.
 */
class FrontListenerTlsTest {
    @TempDir
    Path dir;

    @Test
    void servesTlsWithTheCapsInFront() throws Exception {
        Path ks = dir.resolve("front.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "front", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "test-pass", "-keypass", "test-pass")
                .redirectErrorStream(true).start();
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, new String(keytool.getInputStream().readAllBytes()));
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(ks)) {
            store.load(in, "test-pass".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "test-pass".toCharArray());
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);

        try (Pools pools = Pools.start(PoolSettings.defaults());
             FrontListener listener = FrontListener.open(pools.worker(), new InetSocketAddress("127.0.0.1", 0), ex -> {
                 ConnectionCaps.credentialed(ex);
                 ex.getResponseSender().send("tls ok");
             }, 1024, new FrontListener.Caps(100, 10, Duration.ofMillis(500)), server)) {
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] c, String a) {}

                @Override
                public void checkServerTrusted(X509Certificate[] c, String a) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            HttpClient client = HttpClient.newBuilder().sslContext(trustAll).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + listener.address().getPort() + "/x"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("tls ok", r.body());
            try (Socket idle = new Socket("127.0.0.1", listener.address().getPort())) {
                idle.setSoTimeout(10_000);
                int b;
                try {
                    b = idle.getInputStream().read();
                } catch (SocketTimeoutException e) {
                    b = 0;
                } catch (java.io.IOException e) {
                    b = -1;
                }
                assertEquals(-1, b, "a socket that never starts its TLS handshake is closed");
            }
        }
    }
}
