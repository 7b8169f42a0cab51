package dev.hermesfront.gateway.tls;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 and localhost made by the JDK's keytool for one test, written as PEM
 * ({@code cert.pem}, and {@code key.pem} as PKCS#8), with a client context that trusts it.
 */
public record TestCertificate(Path cert, Path key, X509Certificate certificate) {
    /** Makes an {@code alg} (EC or RSA) certificate in {@code dir} under {@code name}.pem / {@code name}-key.pem. */
    public static TestCertificate create(Path dir, String name, String alg) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Files.deleteIfExists(store);
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> argv = new java.util.ArrayList<>(List.of(keytool, "-genkeypair", "-alias", "t", "-keyalg", alg, "-dname",
                "CN=" + name, "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                store.toString(), "-storepass", "changeit", "-keypass", "changeit"));
        if (alg.equals("EC")) {
            argv.addAll(List.of("-groupname", "secp256r1"));
        } else {
            argv.addAll(List.of("-keysize", "2048"));
        }
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        X509Certificate c = (X509Certificate) ks.getCertificate("t");
        PrivateKey k = (PrivateKey) ks.getKey("t", "changeit".toCharArray());
        Path cert = dir.resolve(name + ".pem");
        Path key = dir.resolve(name + "-key.pem");
        Files.writeString(cert, pem("CERTIFICATE", c.getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY", k.getEncoded()));
        return new TestCertificate(cert, key, c);
    }

    /** Returns a client context that trusts exactly {@code certs}. */
    public static SSLContext trusting(X509Certificate... certs) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        for (int i = 0; i < certs.length; i++) {
            ts.setCertificateEntry("c" + i, certs[i]);
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, f.getTrustManagers(), null);
        return ctx;
    }

    /** Returns a client context that trusts this certificate. */
    public SSLContext trust() throws Exception {
        return trusting(certificate);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
