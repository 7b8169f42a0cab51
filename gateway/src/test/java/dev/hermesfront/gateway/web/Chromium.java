package dev.hermesfront.gateway.web;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Headless Chromium driven by Debian's {@code chromedriver} on an ephemeral loopback port, for the page's
 * browser tests. {@link #missing()} says why the tests must be skipped (no {@code chromium} or
 * {@code chromedriver} on the PATH; {@code .ci/run} installs them). Each browser gets a fresh profile
 * directory under {@code target/}; {@link #close()} ends the session, the driver and anything it started,
 * and deletes the profile.
 */
final class Chromium implements AutoCloseable {
    /** The flags Chromium needs to run headless as root in a container, with nothing fetched in the background. */
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
            "--disable-extensions", "--disable-default-apps", "--password-store=basic", "--lang=en-US",
            // The pairing tests serve a certificate made for the test on 127.0.0.1 (https, wss).
            "--ignore-certificate-errors");
    private static final Pattern STARTED = Pattern.compile("started successfully on port (\\d+)");

    private final Process driverProcess;
    private final Path profile;
    private final WebDriver driver;

    private Chromium(Process driverProcess, Path profile, WebDriver driver) {
        this.driverProcess = driverProcess;
        this.profile = profile;
        this.driver = driver;
    }

    /** Returns why the browser tests cannot run here, or empty when they can. */
    static Optional<String> missing() {
        if (find("chromium").isEmpty() || find("chromedriver").isEmpty()) {
            return Optional.of("headless Chromium is not installed (Debian: apt-get install chromium chromium-driver; "
                    + ".ci/run installs them): the page's browser tests are skipped");
        }
        return Optional.empty();
    }

    private static Optional<Path> find(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(path.split(File.pathSeparator)).map(d -> Path.of(d, program)).filter(Files::isExecutable).findFirst();
    }

    /** Starts chromedriver and one browser of {@code width} x {@code height}. */
    static Chromium start(HttpClient http, Path workDir, int width, int height) throws IOException, InterruptedException {
        Path chromium = find("chromium").orElseThrow();
        Path chromedriver = find("chromedriver").orElseThrow();
        Files.createDirectories(workDir);
        Path profile = Files.createTempDirectory(workDir, "chromium-profile-");
        Process p = new ProcessBuilder(chromedriver.toString(), "--port=0", "--allowed-ips=127.0.0.1", "--log-level=WARNING")
                .redirectErrorStream(true).start();
        try {
            int port = driverPort(p);
            List<String> args = new ArrayList<>(FLAGS);
            args.add("--user-data-dir=" + profile);
            args.add("--window-size=" + width + "," + height);
            WebDriver d = WebDriver.start(http, URI.create("http://127.0.0.1:" + port), chromium.toString(), args);
            return new Chromium(p, profile, d);
        } catch (IOException | RuntimeException | InterruptedException e) {
            stop(p);
            delete(profile);
            throw e;
        }
    }

    /** Reads chromedriver's output until it names its port (bounded), then keeps draining it on a daemon thread. */
    private static int driverPort(Process p) throws IOException, InterruptedException {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = STARTED.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IOException("chromedriver exited before naming its port"));
        }, "chromedriver-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return port.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("chromedriver did not start within 20 s");
        }
    }

    WebDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        driver.close();
        stop(driverProcess);
        delete(profile);
    }

    /** Stops chromedriver and every process under it (the browser, if the session did not end it). */
    private static void stop(Process p) {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        p.destroy();
        tree.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle h : tree) {
                h.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            tree.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // Left under target/, removed by the next clean.
        }
    }
}
