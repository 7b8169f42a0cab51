package dev.hermesfront.gateway.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files with the JDK alone: a certificate chain ({@code CERTIFICATE} blocks, leaf first) and a private
 * key as PKCS#8 ({@code PRIVATE KEY}, what Let's Encrypt's certbot writes), PKCS#1 ({@code RSA PRIVATE KEY}) or
 * SEC1 ({@code EC PRIVATE KEY}, what {@code tailscale cert} writes); the last two are wrapped into PKCS#8 here,
 * so no BouncyCastle is needed. Encrypted keys are refused with a message that says how to decrypt them.
 */
public final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    /** rsaEncryption, 1.2.840.113549.1.1.1, with NULL parameters: the AlgorithmIdentifier of a PKCS#1 key in PKCS#8. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
        0x01, 0x01, 0x05, 0x00};
    /** id-ecPublicKey, 1.2.840.10045.2.1. */
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemFiles() {}

    /** Returns the certificates of {@code file}, in file order (leaf first); throws when there is none. */
    public static List<X509Certificate> readChain(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    chain.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(decode(m.group(2)))));
                }
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IOException(file + ": not a PEM certificate (" + e.getMessage() + ")");
        }
        if (chain.isEmpty()) {
            throw new IOException(file + ": no -----BEGIN CERTIFICATE----- block");
        }
        return chain;
    }

    /** Returns the private key of {@code file} (RSA or EC; PKCS#8, PKCS#1 or SEC1). */
    public static PrivateKey readKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            try {
                switch (type) {
                    case "PRIVATE KEY":
                        return pkcs8(decode(m.group(2)));
                    case "RSA PRIVATE KEY":
                        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                                sequence(integer0(), RSA_ALGORITHM, octets(decode(m.group(2))))));
                    case "EC PRIVATE KEY":
                        byte[] sec1 = decode(m.group(2));
                        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                                sequence(integer0(), sequence(EC_OID, curveOid(sec1)), octets(sec1))));
                    case "ENCRYPTED PRIVATE KEY":
                        throw new IOException(file + ": the key is encrypted; write it decrypted (openssl pkey -in KEY -out KEY.pem) "
                                + "and keep that file 0600");
                    default:
                        // another block (EC PARAMETERS, a certificate in the same file): skip
                }
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IOException(file + ": not a usable " + type + " (" + e.getMessage() + ")");
            }
        }
        throw new IOException(file + ": no -----BEGIN PRIVATE KEY----- (or RSA / EC PRIVATE KEY) block");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException first = null;
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                first = first == null ? e : first;
            }
        }
        throw first;
    }

    /**
     * The named curve of a SEC1 ECPrivateKey: {@code SEQUENCE {INTEGER 1, OCTET STRING key, [0] OID curve, [1] BIT STRING}};
     * the [0] element's content is the OID, copied whole into the PKCS#8 AlgorithmIdentifier.
     */
    private static byte[] curveOid(byte[] sec1) throws GeneralSecurityException {
        int[] pos = {0};
        expect(sec1, pos, 0x30);
        int end = length(sec1, pos) + pos[0];
        while (pos[0] < end) {
            int tag = sec1[pos[0]++] & 0xff;
            int len = length(sec1, pos);
            if (tag == 0xa0) {
                byte[] oid = new byte[len];
                System.arraycopy(sec1, pos[0], oid, 0, len);
                return oid;
            }
            pos[0] += len;
        }
        throw new GeneralSecurityException("the EC key names no curve");
    }

    private static void expect(byte[] b, int[] pos, int tag) throws GeneralSecurityException {
        if (pos[0] >= b.length || (b[pos[0]++] & 0xff) != tag) {
            throw new GeneralSecurityException("malformed DER");
        }
    }

    private static int length(byte[] b, int[] pos) throws GeneralSecurityException {
        if (pos[0] >= b.length) {
            throw new GeneralSecurityException("malformed DER");
        }
        int first = b[pos[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int n = first & 0x7f;
        if (n > 3 || pos[0] + n > b.length) {
            throw new GeneralSecurityException("malformed DER");
        }
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (b[pos[0]++] & 0xff);
        }
        return len;
    }

    private static byte[] integer0() {
        return new byte[] {0x02, 0x01, 0x00};
    }

    private static byte[] octets(byte[] content) {
        return tlv(0x04, content);
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return tlv(0x30, b.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(tag);
        int n = content.length;
        if (n < 0x80) {
            b.write(n);
        } else if (n < 0x100) {
            b.write(0x81);
            b.write(n);
        } else if (n < 0x10000) {
            b.write(0x82);
            b.write(n >> 8);
            b.write(n);
        } else {
            b.write(0x83);
            b.write(n >> 16);
            b.write(n >> 8);
            b.write(n);
        }
        b.writeBytes(content);
        return b.toByteArray();
    }

    private static byte[] decode(String base64) {
        return Base64.getMimeDecoder().decode(base64);
    }
}
