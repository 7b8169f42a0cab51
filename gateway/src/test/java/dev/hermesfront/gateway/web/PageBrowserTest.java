package dev.hermesfront.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The page at /front/ in headless Chromium against the real gateway and its demo agent: sign-in, a live
 * streamed turn, the page under its CSP (no violations in the console), a phone-sized screen. Screenshots
 * go to {@code target/screenshots/}. Skipped, saying why, when Chromium or chromedriver is not installed.
 */
class PageBrowserTest {
    static final String TOKEN = "page-test-token-0123456789";
    static final Path SHOTS = Path.of("target", "screenshots");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static Chromium browser;
    private GatewayServer gw;
    private WebDriver web;

    @BeforeAll
    static void browser() throws Exception {
        Assumptions.assumeTrue(Chromium.missing().isEmpty(), () -> Chromium.missing().get());
        browser = Chromium.start(HTTP, Path.of("target"), 1280, 900);
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        gw = new GatewayServer(GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Credentials.of(List.of(new Credential.Token("laptop", Secret.of(TOKEN), "chat")))),
                new DemoLauncher(new ObjectMapper(), new FrameCodec())).start();
        web = browser.driver();
        web.size(1280, 900);
        web.consoleLog();
    }

    @AfterEach
    void stop(TestInfo info) throws Exception {
        if (web != null) {
            web.screenshot(SHOTS.resolve(info.getTestMethod().orElseThrow().getName() + "-end.png"));
            web.open("about:blank");
        }
        if (gw != null) {
            gw.close();
        }
    }

    /** The console's errors, less failed loads (an expected 401 or 404 is logged too), and any CSP report. */
    private List<String> pageErrors() throws Exception {
        return web.consoleLog().stream().filter(l -> (l.startsWith("SEVERE") && !l.contains("Failed to load resource"))
                || l.contains("Content Security Policy") || l.contains("Trusted Type")).toList();
    }

    private String page() {
        return "http://127.0.0.1:" + gw.port() + "/front/";
    }

    private void signIn() throws Exception {
        web.open(page());
        web.await("!document.getElementById('signin').hidden", "the sign-in form");
        web.type("#token", TOKEN);
        web.click("#signin-button");
        web.await("!document.getElementById('app').hidden", "the signed-in view");
    }

    @Test
    void signsInAndShowsALiveTurnStreamedByTheDemoAgent() throws Exception {
        signIn();
        assertFalse(web.script("return location.href.includes(arguments[0])", TOKEN).asBoolean(), "the token is not in the URL");
        web.click("#new-agent");
        web.await("document.getElementById('status').dataset.state === 'live' && !document.getElementById('prompt-form').hidden",
                "a live connection with the prompt");
        web.type("#prompt", "DEMO_SLOW one two three four five six seven eight");
        web.click("#send");
        // Mid-turn: the reply is on screen, still streaming, and only part of it has arrived.
        String partial = web.await("(() => { const t = document.querySelector('#transcript .msg.assistant.streaming .text');"
                + " return t && t.textContent.split(' ').length >= 3 ? t.textContent : null; })()", "a reply half streamed").asText();
        web.screenshot(SHOTS.resolve("live-turn-streaming.png"));
        String expected = "Echo: DEMO_SLOW one two three four five six seven eight";
        assertTrue(expected.startsWith(partial) && partial.length() < expected.length(), "partial: " + partial);
        web.await("(() => { const t = document.querySelector('#transcript .msg.assistant:not(.streaming) .text');"
                + " return t && t.textContent; })()", "the completed reply");
        assertEquals(expected, web.text("#transcript .msg.assistant .text"));
        assertEquals("DEMO_SLOW one two three four five six seven eight", web.text("#transcript .msg.user .text"));
        assertEquals(List.of(), pageErrors(), "no script errors and no CSP violations in the console");
    }

    @Test
    void aWrongTokenIsRefusedAndNotKept() throws Exception {
        web.open(page());
        web.await("!document.getElementById('signin').hidden", "the sign-in form");
        web.type("#token", "not-the-token-0123456789");
        web.click("#signin-button");
        String error = web.await("(() => { const e = document.getElementById('signin-error'); return !e.hidden && e.textContent; })()",
                "the sign-in error").asText();
        assertTrue(error.contains("not accepted"), error);
        assertTrue(web.script("return document.getElementById('app').hidden").asBoolean());
        assertEquals(0, web.script("return sessionStorage.length").asInt(), "nothing kept");
    }

    @Test
    void worksOnAPhoneSizedScreen() throws Exception {
        web.size(390, 844);
        signIn();
        web.click("#new-agent");
        web.await("!document.getElementById('prompt-form').hidden", "the prompt");
        web.type("#prompt", "hello from a phone");
        web.click("#send");
        web.await("(() => { const t = document.querySelector('#transcript .msg.assistant:not(.streaming) .text');"
                + " return t && t.textContent === 'Echo: hello from a phone'; })()", "the reply");
        int inner = web.script("return window.innerWidth").asInt();
        int scroll = web.script("return document.documentElement.scrollWidth").asInt();
        int client = web.script("return document.documentElement.clientWidth").asInt();
        assertTrue(inner <= 400, "a phone-sized viewport: " + inner);
        assertTrue(scroll <= client, "nothing wider than the screen: " + scroll + " > " + client);
        assertTrue(web.script("return document.getElementById('send').getBoundingClientRect().width").asDouble() >= 44,
                "the send button is big enough to tap");
        web.screenshot(SHOTS.resolve("phone.png"));
        assertNotEquals(0, inner);
    }
}
