package dev.hermesfront.gateway.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * What the page's browser tests share: one headless Chromium per test class (skipped, saying why, when it
 * is not installed), gateways started per test on 127.0.0.1:0 and closed after it, sign-in, the console's
 * errors, and screenshots under {@code target/screenshots/} (one at the end of every test).
 */
abstract class BrowserTestBase {
    /** A chat-scope token named laptop. */
    static final String TOKEN = "page-test-token-0123456789";
    static final Path SHOTS = Path.of("target", "screenshots");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static Chromium browser;

    final List<GatewayServer> gateways = new ArrayList<>();
    /** Every line the front's access log wrote during the test (it logs at DEBUG; captured here at FINE). */
    final List<String> accessLog = new CopyOnWriteArrayList<>();
    private final Logger accessLogger = Logger.getLogger(dev.hermesfront.gateway.http.AccessLogHandler.class.getName());
    private final Handler capture = new Handler() {
        private final SimpleFormatter format = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            accessLog.add(format.formatMessage(r));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    WebDriver web;

    @BeforeAll
    static void browser() throws Exception {
        Assumptions.assumeTrue(Chromium.missing().isEmpty(), () -> Chromium.missing().get());
        browser = Chromium.start(HTTP, Path.of("target"), 1280, 900);
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    @BeforeEach
    void driver() throws Exception {
        accessLogger.setLevel(Level.FINE);
        accessLogger.setUseParentHandlers(false); // captured here, not printed
        accessLogger.addHandler(capture);
        web = browser.driver();
        web.size(1280, 900);
        web.consoleLog();
    }

    @AfterEach
    void stop(TestInfo info) throws Exception {
        try {
            if (web != null) {
                web.screenshot(SHOTS.resolve(getClass().getSimpleName() + "-" + info.getTestMethod().orElseThrow().getName() + "-end.png"));
                web.closeOtherTabs();
                web.open("about:blank");
            }
        } finally {
            gateways.forEach(GatewayServer::close);
            gateways.clear();
            accessLogger.removeHandler(capture);
            accessLogger.setLevel(null);
            accessLogger.setUseParentHandlers(true);
        }
    }

    /** Starts a gateway with the demo agent and {@link #TOKEN} (chat). */
    GatewayServer gateway() throws Exception {
        return gateway(new DemoLauncher(new ObjectMapper(), new FrameCodec()), List.of(new Credential.Token("laptop", Secret.of(TOKEN), "chat")));
    }

    /** Starts a gateway with {@code launcher} and {@code credentials} on 127.0.0.1:0; closed after the test. */
    GatewayServer gateway(AgentLauncher launcher, List<Credential> credentials) throws Exception {
        return gateway(GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Credentials.of(credentials)), launcher);
    }

    GatewayServer gateway(GatewayConfig config, AgentLauncher launcher) throws Exception {
        GatewayServer gw = GatewayServer.builder(config, launcher).build().start();
        gateways.add(gw);
        return gw;
    }

    static String page(GatewayServer gw) {
        return "http://127.0.0.1:" + gw.port() + "/front/";
    }

    /** Opens the page and signs in with {@code token}. */
    void signIn(GatewayServer gw, String token) throws Exception {
        web.open(page(gw));
        web.await("!document.getElementById('signin').hidden", "the sign-in form");
        web.type("#token", token);
        web.click("#signin-button");
        web.await("!document.getElementById('app').hidden", "the signed-in view");
    }

    /** Starts a new agent from the page and waits until it can be prompted. */
    void newAgent() throws Exception {
        web.click("#new-agent");
        web.await("document.getElementById('status').dataset.state === 'live' && !document.getElementById('prompt-form').hidden",
                "a live connection with the prompt");
    }

    /** Types a prompt and sends it. */
    void prompt(String text) throws Exception {
        web.type("#prompt", text);
        web.click("#send");
    }

    /** Waits for the last finished reply to equal {@code text}. */
    void awaitReply(String text) throws Exception {
        web.await("(() => { const all = document.querySelectorAll('#transcript .msg.assistant:not(.streaming) .text');"
                + " return all.length && all[all.length - 1].textContent === " + js(text) + "; })()", "the reply " + text);
    }

    /** The console's errors, less failed loads (an expected 401 or 404 is logged too), and any CSP report. */
    List<String> pageErrors() throws Exception {
        return web.consoleLog().stream().filter(l -> (l.startsWith("SEVERE") && !l.contains("Failed to load resource"))
                || l.contains("Content Security Policy") || l.contains("Trusted Type")).toList();
    }

    void shot(String name) throws Exception {
        web.screenshot(SHOTS.resolve(name + ".png"));
    }

    /** Returns {@code s} as a JS string literal. */
    static String js(String s) {
        try {
            return new ObjectMapper().writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
