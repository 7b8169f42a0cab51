package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard stand-in ({@code standins/dashboard_standin.py}: FastAPI on uvicorn, as the real dashboard
 * is) in its own process on 127.0.0.1 and a free port. Its stdout is one JSON line per request it saw, so a
 * test can prove that something never reached the dashboard. Needs Debian's {@code python3-fastapi} and
 * {@code python3-uvicorn} ({@code .ci/run} installs them); a test using it is skipped with that message
 * when they are missing.
 */
public final class DashboardStandin implements AutoCloseable {
    private static final String PYTHON = "/usr/bin/python3";

    private final Process process;
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final int port;

    private DashboardStandin(Process process, int port) {
        this.process = process;
        this.port = port;
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    seen.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "dashboard-standin-out");
        t.setDaemon(true);
        t.start();
    }

    /** Starts the stand-in with {@code token} as its session token; skips the calling test when it cannot run. */
    public static DashboardStandin start(String token) throws Exception {
        assumeTrue(available(), "skipped: " + PYTHON + " with fastapi and uvicorn is needed for the dashboard stand-in "
                + "(apt-get install python3-fastapi python3-uvicorn; .ci/run does this)");
        Path dir = Files.createTempDirectory("dash-standin");
        Path script = dir.resolve("dashboard_standin.py");
        try (var in = DashboardStandin.class.getResourceAsStream("/standins/dashboard_standin.py")) {
            Files.copy(in, script);
        }
        Path portFile = dir.resolve("port");
        Process p = new ProcessBuilder(PYTHON, script.toString(), portFile.toString(), token)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(portFile)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("the dashboard stand-in did not start");
            }
            p.waitFor(50, TimeUnit.MILLISECONDS);
        }
        return new DashboardStandin(p, Integer.parseInt(Files.readString(portFile).strip()));
    }

    private static boolean available() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import fastapi, uvicorn").redirectErrorStream(true).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Returns every request line the stand-in printed so far (JSON: kind, path, method, …). */
    public List<String> seen() {
        return List.copyOf(seen);
    }

    /** Returns true when any request the stand-in saw (HTTP or WebSocket) was for {@code path}. */
    public boolean saw(String path) {
        return seen.stream().anyMatch(l -> l.contains("\"path\": \"" + path + "\""));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
