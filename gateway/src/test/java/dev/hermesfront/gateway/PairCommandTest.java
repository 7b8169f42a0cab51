package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.RemoteSettings;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.tls.TestCertificate;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hermes-front pair} and {@code hermes-front devices} against a running front over TLS: the printed QR code
 * decodes (ZXing's reader) to exactly the printed pairing URL, which redeems; the device is listed and revoked.
 */
class PairCommandTest {
    private static final String TOKEN = "pair-command-token-0123456789";

    @TempDir
    Path dir;

    private String run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = GatewayMain.commandLine(Map.of(), dir).execute(args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        return out;
    }

    /** Reads the half-block QR code back into modules (two rows per line) and decodes it. */
    static String decode(String printed) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String l : printed.split("\n")) {
            if (l.startsWith("\u001b[30;107m")) {
                lines.add(l.replaceAll("\u001b\\[[0-9;]*m", ""));
            }
        }
        int w = lines.get(0).length();
        int h = lines.size() * 2;
        int scale = 4;
        int quiet = 4;
        int pw = (w + 2 * quiet) * scale;
        int ph = (h + 2 * quiet) * scale;
        int[] px = new int[pw * ph];
        java.util.Arrays.fill(px, 0xFFFFFFFF);
        for (int row = 0; row < lines.size(); row++) {
            String l = lines.get(row);
            for (int x = 0; x < w; x++) {
                char c = l.charAt(x);
                boolean top = c == '█' || c == '▀';
                boolean bottom = c == '█' || c == '▄';
                for (int half = 0; half < 2; half++) {
                    if (half == 0 ? top : bottom) {
                        int my = row * 2 + half;
                        for (int dy = 0; dy < scale; dy++) {
                            for (int dx = 0; dx < scale; dx++) {
                                px[((my + quiet) * scale + dy) * pw + (x + quiet) * scale + dx] = 0xFF000000;
                            }
                        }
                    }
                }
            }
        }
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(pw, ph, px)));
        return new QRCodeReader().decode(bitmap, Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE)).getText();
    }

    @Test
    void pairPrintsACodeTheUrlAndAQrCodeOfExactlyThatUrl() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "front", "EC");
        GatewayConfig base = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(TOKEN));
        GatewayConfig cfg = base.withRemote(RemoteSettings.none().withStateDir(dir.resolve("state")).withTls(cert.cert(), cert.key()));
        try (GatewayServer server = GatewayServer.builder(cfg, new DemoLauncher(new ObjectMapper(), new FrameCodec())).build().start()) {
            String[] common = {"--listen", "127.0.0.1:" + server.port(), "--token", TOKEN, "--state-dir", dir.resolve("state").toString(),
                "--tls-cert", cert.cert().toString(), "--tls-key", cert.key().toString()};
            List<String> args = new ArrayList<>(List.of("pair", "--name", "phone", "--scope", "chat"));
            args.addAll(List.of(common));
            String out = run(args.toArray(new String[0]));
            String url = out.lines().filter(l -> l.startsWith("https://")).findFirst().orElseThrow(() -> new AssertionError(out));
            assertTrue(url.startsWith("https://127.0.0.1:" + server.port() + "/front/#pair="), url);
            assertEquals(url, decode(out), "the QR code is the pairing URL");
            String code = url.substring(url.indexOf("#pair=") + 6);
            assertTrue(out.contains("Pairing code: " + code), out);

            HttpClient http = HttpClient.newBuilder().sslContext(cert.trust()).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/front/pair"))
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("{\"code\": \"" + code + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), r.body());
            assertTrue(r.body().contains("wss://127.0.0.1:" + server.port() + "/api/ws?token=hfd_"), r.body());

            List<String> list = new ArrayList<>(List.of("devices"));
            list.addAll(List.of(common));
            assertTrue(run(list.toArray(new String[0])).contains("phone"));
            List<String> revoke = new ArrayList<>(List.of("devices", "revoke", "phone"));
            revoke.addAll(List.of(common));
            assertTrue(run(revoke.toArray(new String[0])).contains("revoked phone"));
            assertTrue(run(list.toArray(new String[0])).contains("no paired devices"));
        }
    }
}
