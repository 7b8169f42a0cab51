package dev.hermesfront.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.RemoteSettings;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.pairing.PairingClient;
import dev.hermesfront.gateway.tls.TestCertificate;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23's "done when", in headless Chromium over TLS: {@code hermes-front pair --name phone --scope chat} prints a
 * code; the page opened at {@code #pair=CODE} redeems it; the device is listed; the device chats from the page and,
 * when the kit is here, the real Hermes TUI attaches over {@code wss://} with the device token and chats; revoking the
 * device from the page closes its socket with 4403 and its token is refused afterwards. Screenshots for
 * docs/pairing.md are written under {@code target/screenshots/pairing-*.png}.
 */
class PairBrowserTest extends BrowserTestBase {
    private static final String OWNER = "pair-browser-owner-token-0123456789";

    /** The kit's real-tui.sh: $HERMES_KIT_DIR, else shared/kit beside the checkout (shared/kit/README.md). */
    private static Path realTui() {
        String k = System.getenv("HERMES_KIT_DIR");
        Path kit = k != null ? Path.of(k) : Path.of(System.getProperty("user.dir")).getParent().resolveSibling("shared").resolve("kit");
        return kit.resolve("real-tui.sh");
    }

    @TempDir
    Path dir;

    @Test
    void pairRedeemListChatAndRevoke() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "front", "EC");
        GatewayConfig base = GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Credentials.of(List.of(new Credential.Token("owner", Secret.of(OWNER), "admin"))));
        GatewayConfig cfg = base.withRemote(RemoteSettings.none().withStateDir(dir.resolve("state")).withTls(cert.cert(), cert.key()));
        GatewayServer gw = gateway(cfg, new DemoLauncher(new ObjectMapper(), new FrameCodec()));
        String origin = "https://127.0.0.1:" + gw.port();

        // hermes-front pair --name phone --scope chat (the command's client, against the running front)
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        GatewayConfig cli = base.withRemote(cfg.remote());
        cli = cli.with(dev.hermesfront.gateway.config.Settings.LISTEN, new InetSocketAddress(InetAddress.getLoopbackAddress(), gw.port()));
        assertEquals(0, new PairingClient(cli, java.net.http.HttpClient.newBuilder(), new PrintStream(printed, true, StandardCharsets.UTF_8), dev.hermesfront.protocol.AgentJson.newMapper()).pair("chat", "phone", null));
        String out = printed.toString(StandardCharsets.UTF_8);
        String url = out.lines().filter(l -> l.startsWith("https://")).findFirst().orElseThrow(() -> new AssertionError(out));
        Files.createDirectories(SHOTS);
        Files.writeString(SHOTS.resolve("pairing-0-terminal.txt"), out);

        // The phone opens the link: the page redeems the code.
        web.size(420, 860);
        web.open(url);
        web.await("!document.getElementById('pair').hidden", "the pairing form");
        assertEquals("", web.script("return window.location.hash").asText(), "the code leaves the address bar at once");
        shot("pairing-1-open-link");
        web.click("#pair-keep");
        web.click("#pair-button");
        web.await("!document.getElementById('pair-done').hidden", "the paired view");
        shot("pairing-2-paired");
        String tui = web.script("return document.getElementById('pair-tui').value").asText();
        assertTrue(tui.startsWith("HERMES_TUI_GATEWAY_URL='wss://127.0.0.1:" + gw.port() + "/api/ws?token=hfd_"), tui);
        String wss = tui.substring(tui.indexOf('\'') + 1, tui.lastIndexOf('\''));
        String token = wss.substring(wss.indexOf("token=") + 6);

        // The device is listed for its pairer.
        HttpClient https = HttpClient.newBuilder().sslContext(cert.trust()).connectTimeout(Duration.ofSeconds(5)).build();
        JsonNode devices = new ObjectMapper().readTree(get(https, origin + "/front/devices", OWNER).body()).path("devices");
        assertEquals("phone", devices.get(0).path("name").asText(), devices.toString());
        assertEquals("chat", devices.get(0).path("scope").asText());

        // The phone continues to the page, signed in as the device, and chats.
        web.click("#pair-continue");
        web.await("!document.getElementById('app').hidden", "the signed-in view");
        newAgent();
        prompt("hello from the phone");
        awaitReply("Echo: hello from the phone");
        shot("pairing-3-phone-chats");

        // The laptop: the real TUI attaches over wss with the device token and chats (when the kit is here).
        // Needs the kit and HERMES_GIT_DIR (the Hermes sources it runs the TUI from); without them this step is skipped.
        String git = System.getenv("HERMES_GIT_DIR");
        if (Files.isExecutable(realTui()) && git != null && Files.isDirectory(Path.of(git))) {
            ProcessBuilder pb = new ProcessBuilder(realTui().toString(), "--url", wss, "--ca", cert.cert().toString(), "--prompt", "hello from the laptop",
                    "--expect", "Echo: hello from the laptop", "--timeout", "60", "--screen-out", SHOTS.resolve("pairing-4-tui.txt").toString())
                    .redirectErrorStream(true).redirectOutput(SHOTS.resolve("pairing-4-tui.log").toFile());
            Process tuiProcess = pb.start();
            boolean done = tuiProcess.waitFor(240, TimeUnit.SECONDS);
            if (!done) {
                tuiProcess.destroyForcibly();
            }
            assertTrue(done && tuiProcess.exitValue() == 0, "the real TUI attached over wss and chatted: "
                    + Files.readString(SHOTS.resolve("pairing-4-tui.log")));
        }

        // The pairer signs in on the laptop's browser, sees the device, and revokes it.
        WsTestClient phone = WsTestClient.connect(URI.create(wss), https);
        assertTrue(phone.next().contains("gateway.ready"));
        web.size(1280, 900);
        web.open(origin + "/front/");
        web.script("sessionStorage.clear()");
        web.open(origin + "/front/");
        web.await("!document.getElementById('signin').hidden", "the sign-in form");
        web.type("#token", OWNER);
        web.click("#signin-button");
        web.await("!document.getElementById('app').hidden", "the signed-in view");
        web.await("document.querySelector('#device-list [data-name=phone]') !== null", "the device in the list");
        web.click("#add-device");
        web.type("#device-name", "laptop");
        web.click("#device-create");
        web.await("document.querySelector('#device-code svg.qr path') !== null", "the QR code of a new pairing link");
        assertTrue(web.script("return document.getElementById('device-url').value").asText().startsWith(origin + "/front/#pair="));
        web.script("document.getElementById('device-box').scrollIntoView()");
        shot("pairing-5-add-a-device");
        web.click("#device-list [data-name=phone] button");
        web.await("document.querySelector('#device-list [data-name=phone]') === null", "the device gone from the list");
        assertEquals(4403, phone.closeCode(), "revoking closes the device's socket with 4403");
        assertEquals(401, get(https, origin + "/front/devices", token).statusCode(), "the token is refused afterwards");
        assertEquals(List.of(), pageErrors());
    }

    private static HttpResponse<String> get(HttpClient http, String url, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
