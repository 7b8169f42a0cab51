package dev.hermesfront.gateway.apiserver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The REAL Hermes API server (upstream's aiohttp {@code APIServerAdapter} with real agent turns against
 * the kit's fake model), started with {@code shared/kit/real-api-server.sh} on a free 127.0.0.1 port.
 * Needs {@code HERMES_GIT_DIR} (the fetched hermes-agent snapshot); the kit is looked for in
 * {@code HERMES_KIT_DIR}, else in {@code ../shared/kit} from the repository root. Closing it stops the
 * server and waits (bounded) for every process it started.
 */
final class KitApiServer implements AutoCloseable {
    /** An obviously fake key: the kit's server is loopback-only and lives for one test run. */
    static final String KEY = "kit-api-key-front-tests-0123456789";
    private static final Pattern READY = Pattern.compile("real Hermes API server on http://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final List<ProcessHandle> family;
    final URI uri;
    final Path log;

    /** Returns why the real server cannot run here, or empty when it can. */
    static Optional<String> unavailable() {
        String git = System.getenv("HERMES_GIT_DIR");
        if (git == null || git.isBlank()) {
            return Optional.of("HERMES_GIT_DIR is not set (the fetched hermes-agent snapshot; see shared/kit/README.md)");
        }
        if (!Files.isExecutable(kitDir().resolve("real-api-server.sh"))) {
            return Optional.of("no kit at " + kitDir() + " (set HERMES_KIT_DIR to the shared/kit folder)");
        }
        return Optional.empty();
    }

    static Path kitDir() {
        String dir = System.getenv("HERMES_KIT_DIR");
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path root = Files.exists(cwd.resolve("gateway")) ? cwd : cwd.getParent();
        return root.resolveSibling("shared").resolve("kit");
    }

    /** Starts the server; {@code checkKeys} false runs it without the kit's aiohttp fix, so it accepts any key. */
    KitApiServer(Path workDir, boolean checkKeys) throws Exception {
        log = workDir.resolve("real-api-server.log");
        ProcessBuilder pb = new ProcessBuilder(kitDir().resolve("real-api-server.sh").toString(), "--port", "0",
                "--port-file", workDir.resolve("api.port").toString(), "--key", KEY)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        if (!checkKeys) {
            pb.environment().put("KIT_API_NO_AIOHTTP_SHIM", "1");
        }
        process = pb.start();
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(log), true);
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = err.readLine()) != null; ) {
                    out.println(line);
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // process gone
            } finally {
                out.close();
                port.completeExceptionally(new IOException("real API server exited before it was ready; see " + log));
            }
        }, "kit-api-server-log");
        reader.setDaemon(true);
        reader.start();
        int p;
        try {
            p = port.get(180, TimeUnit.SECONDS);
        } catch (Exception e) {
            stop(process, process.descendants().toList());
            throw new IOException("real API server did not start: " + e.getMessage() + "\n" + tail(), e);
        }
        uri = URI.create("http://127.0.0.1:" + p);
        family = process.descendants().toList();
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> all = new java.util.ArrayList<>(family);
        all.addAll(process.descendants().toList());
        stop(process, all);
    }

    private static void stop(Process process, List<ProcessHandle> descendants) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        for (ProcessHandle h : descendants) {
            // The kit's watchdog stops the fake model within a second of the server's exit.
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }
}
