package dev.hermesfront.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An admin uses the dashboard through the front although the page it gets no longer holds the session
 * token (issue 11): a FastAPI app on uvicorn stands in for the dashboard (token in its page, checked on
 * {@code /api/...} and on its WebSocket). Needs Debian's {@code python3-fastapi} and
 * {@code python3-uvicorn}; the setup installs them as root, and the test is skipped, saying why, when
 * they cannot be had.
 */
class DashboardUvicornTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String DASH_TOKEN = "standin-dashboard-token-0123456789";
    private static final Pattern PAGE_TOKEN = Pattern.compile("__HERMES_SESSION_TOKEN__=\"([^\"]*)\"");
    @TempDir
    static Path dir;
    private static Process uvicorn;
    private static int port;
    private static FrontFixture front;

    @BeforeAll
    static void start() throws Exception {
        String missing = ensurePackages();
        Assumptions.assumeTrue(missing == null, "SKIPPED: the FastAPI/uvicorn dashboard stand-in cannot run: " + missing);
        Files.copy(DashboardUvicornTest.class.getResourceAsStream("/dashboard/dashboard_standin.py"), dir.resolve("dashboard_standin.py"));
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(PYTHON, "-m", "uvicorn", "--app-dir", dir.toString(), "dashboard_standin:app",
                "--host", "127.0.0.1", "--port", Integer.toString(port), "--log-level", "info").redirectErrorStream(true);
        pb.environment().put("STANDIN_TOKEN", DASH_TOKEN);
        uvicorn = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(uvicorn.getInputStream(), StandardCharsets.UTF_8));
        String started = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    seen.append(line).append('\n');
                    if (line.contains("Application startup complete")) {
                        return null;
                    }
                }
            } catch (IOException e) {
                seen.append(e);
            }
            return seen.toString();
        }).get(30, TimeUnit.SECONDS);
        assertEquals(null, started, "uvicorn did not start");
        // Keep draining its log so it never blocks on a full pipe.
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException e) {
                // process gone
            }
        }, "uvicorn-log");
        drain.setDaemon(true);
        drain.start();
        front = new FrontFixture(ConfigEdit.edit(FrontFixture.baseConfig()).upstreams(null,
                UpstreamConfig.of(URI.create("http://127.0.0.1:" + port), null)).get());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (front != null) {
            front.close();
        }
        if (uvicorn != null) {
            uvicorn.destroy();
            if (!uvicorn.waitFor(5, TimeUnit.SECONDS)) {
                uvicorn.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Returns null when fastapi and uvicorn import, else why not (after trying apt-get as root). */
    private static String ensurePackages() throws InterruptedException {
        if (run(List.of(PYTHON, "-c", "import fastapi, uvicorn, websockets")) == 0) {
            return null;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "python3-fastapi/python3-uvicorn are not installed and the test does not run as root to install them";
        }
        run(List.of("apt-get", "update", "-qq"));
        run(List.of("apt-get", "install", "-y", "-qq", "python3-fastapi", "python3-uvicorn", "python3-websockets"));
        return run(List.of(PYTHON, "-c", "import fastapi, uvicorn, websockets")) == 0 ? null
                : "apt-get install python3-fastapi python3-uvicorn python3-websockets did not make them importable";
    }

    private static int run(List<String> cmd) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String admin() {
        return FrontFixture.basic(FrontFixture.BASIC_USER, FrontFixture.BASIC_PASSWORD);
    }

    @Test
    void anAdminUsesTheDashboardThroughTheFrontWithoutEverSeeingItsToken() throws Exception {
        HttpResponse<String> page = front.get("/", "Authorization", admin());
        assertEquals(200, page.statusCode(), page.body());
        assertFalse(page.body().contains(DASH_TOKEN), "the token stays on the loopback hop: " + page.body());
        assertTrue(page.body().contains("data-debug=\"" + DashboardTokenPlaceholder.VALUE + "\""), page.body());
        assertTrue(page.headers().firstValue("Server").isEmpty(), "uvicorn's Server header is dropped");
        Matcher m = PAGE_TOKEN.matcher(page.body());
        assertTrue(m.find(), page.body());
        String spaToken = m.group(1);
        assertEquals(DashboardTokenPlaceholder.VALUE, spaToken);

        // What the SPA does with the value it found: the header on REST, ?token= on its sockets.
        HttpResponse<String> api = front.get("/api/config", "Authorization", admin(), "X-Hermes-Session-Token", spaToken);
        assertEquals(200, api.statusCode(), api.body());
        assertTrue(api.body().contains("the real token"), api.body());

        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        WebSocket ws = front.http.newWebSocketBuilder().header("Authorization", admin())
                .buildAsync(URI.create("ws://127.0.0.1:" + front.port() + "/api/pty?token=" + spaToken), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        got.add(data.toString());
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            ws.sendText("ls", true).get(5, TimeUnit.SECONDS);
            assertEquals("echo:ls", got.poll(5, TimeUnit.SECONDS));
        } finally {
            ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void thePlaceholderAloneIsNoCredentialAtTheFront() throws Exception {
        assertEquals(401, front.get("/api/config", "X-Hermes-Session-Token", DashboardTokenPlaceholder.VALUE).statusCode());
        assertEquals(401, front.get("/").statusCode());
        assertEquals(401, front.get("/api/config", "X-Hermes-Session-Token", DASH_TOKEN).statusCode(),
                "nor is the dashboard's own token");
    }
}
