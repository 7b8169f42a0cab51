package dev.hermesfront.gateway.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The listener's TLS: one {@link SSLContext} for the life of the listener, whose certificate and key come from
 * the PEM files {@code tls.cert} and {@code tls.key} and are re-read by {@link #reload()} (SIGHUP,
 * {@code POST /front/reload}), so a renewed certificate ({@code tailscale cert}, certbot) needs no restart.
 * A reload whose files do not load keeps the running certificate and says why. TLS 1.2 and 1.3 as the JDK
 * offers them; HTTP/1.1 only (the front does not offer h2). Thread-safe.
 */
public final class ServerTls {
    private final Path certFile;
    private final Path keyFile;
    private final ReloadingKeyManager keys;
    private final SSLContext context;
    private volatile X509Certificate leaf;

    private ServerTls(Path certFile, Path keyFile, X509ExtendedKeyManager first, X509Certificate leaf) throws GeneralSecurityException {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.keys = new ReloadingKeyManager(first);
        this.leaf = leaf;
        this.context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {keys}, null, null);
    }

    /** Loads the certificate chain and key; throws {@link IOException} with a message naming the file and the problem. */
    public static ServerTls load(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = PemFiles.readChain(certFile);
        PrivateKey key = PemFiles.readKey(keyFile);
        try {
            return new ServerTls(certFile, keyFile, keyManager(chain, key), chain.get(0));
        } catch (GeneralSecurityException e) {
            throw new IOException("tls: cannot use " + certFile + " with " + keyFile + " (" + e.getMessage() + ")");
        }
    }

    /**
     * Returns a client context that trusts exactly {@code chain} (the front's own certificate): what a command on the
     * front's machine ({@code pair}, {@code doctor}) dials its running front with, whatever its certificate's issuer.
     */
    public static SSLContext trusting(List<X509Certificate> chain) throws IOException {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            for (int i = 0; i < chain.size(); i++) {
                ts.setCertificateEntry("c" + i, chain.get(i));
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, f.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust " + e.getMessage(), e);
        }
    }

    /** Returns the context the listener is built with; its certificate follows {@link #reload()}. */
    public SSLContext context() {
        return context;
    }

    /** Returns the certificate served now (the chain's first). */
    public X509Certificate certificate() {
        return leaf;
    }

    /**
     * Re-reads both files and serves them from the next handshake on. Returns true when the certificate changed;
     * throws (and keeps the running one) when they do not load or do not match.
     */
    public synchronized boolean reload() throws IOException {
        List<X509Certificate> chain = PemFiles.readChain(certFile);
        PrivateKey key = PemFiles.readKey(keyFile);
        X509ExtendedKeyManager next;
        try {
            next = keyManager(chain, key);
        } catch (GeneralSecurityException e) {
            throw new IOException("tls: cannot use " + certFile + " with " + keyFile + " (" + e.getMessage() + ")");
        }
        boolean changed = !Arrays.equals(chain.get(0).getSignature(), leaf.getSignature());
        keys.swap(next);
        leaf = chain.get(0);
        return changed;
    }

    /** Describes the certificate for logs and {@code doctor}: subject, names and expiry; nothing secret. */
    public String describe() {
        return describe(leaf);
    }

    /** Describes {@code c}: subject, DNS/IP names, expiry. */
    public static String describe(X509Certificate c) {
        StringBuilder names = new StringBuilder();
        try {
            if (c.getSubjectAlternativeNames() != null) {
                for (List<?> n : c.getSubjectAlternativeNames()) {
                    names.append(names.length() == 0 ? "" : ", ").append(n.get(1));
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            names.append("?");
        }
        return c.getSubjectX500Principal().getName() + (names.length() == 0 ? "" : " [" + names + "]") + ", valid until "
                + c.getNotAfter().toInstant();
    }

    private static X509ExtendedKeyManager keyManager(List<X509Certificate> chain, PrivateKey key) throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        char[] none = new char[0];
        // setKeyEntry checks that the key matches the certificate's public key type; a wrong pair fails the first handshake
        // instead, so compare the public keys here and say so at once.
        if (!matches(chain.get(0), key)) {
            throw new GeneralSecurityException("the key does not belong to the certificate");
        }
        ks.setKeyEntry("front", key, none, chain.toArray(new X509Certificate[0]));
        KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        f.init(ks, none);
        for (KeyManager m : f.getKeyManagers()) {
            if (m instanceof X509ExtendedKeyManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X.509 key manager");
    }

    /** Signs a nonce with the key and verifies it with the certificate. */
    private static boolean matches(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) {
            return true;
        }
        if (!cert.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        byte[] nonce = "hermes-front key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.security.Signature s = java.security.Signature.getInstance(alg);
        s.initSign(key);
        s.update(nonce);
        byte[] sig = s.sign();
        java.security.Signature v = java.security.Signature.getInstance(alg);
        v.initVerify(cert.getPublicKey());
        v.update(nonce);
        try {
            return v.verify(sig);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }
}
