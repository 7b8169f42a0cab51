package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user gets it: the tarball {@code mvn package} leaves, unpacked in a temp directory,
 * run through {@code bin/hermes-front} with a PATH that holds no {@code mvn} (only the few tools the launcher
 * uses) and Java from {@code JAVA_HOME}. It answers {@code /front/health}; after its YAML changes and it gets
 * SIGHUP, a new token attaches, a removed one is refused, and a client with an unchanged token keeps chatting.
 */
class DistributionIT {
    private static final Pattern READY = Pattern.compile("ready in \\d+ ms on 127\\.0\\.0\\.1:(\\d+)");
    @TempDir
    Path dir;
    private Path dist;
    private Process front;
    private final List<WsTestClient> clients = new ArrayList<>();

    @BeforeEach
    void unpack() throws Exception {
        Path tarball = Path.of(System.getProperty("hermes.front.dist", "target/hermes-front-0.1.0-SNAPSHOT.tar.gz"));
        assertTrue(Files.isRegularFile(tarball), "mvn package leaves " + tarball);
        Process tar = new ProcessBuilder("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C", dir.toString()).inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0);
        try (var s = Files.list(dir)) {
            dist = s.filter(p -> p.getFileName().toString().startsWith("hermes-front-")).findFirst().orElseThrow();
        }
        assertTrue(Files.isExecutable(dist.resolve("bin/hermes-front")));
        assertTrue(Files.isRegularFile(dist.resolve("lib/hermes-front.jar")));
        assertTrue(Files.isRegularFile(dist.resolve("docs/operations.md")));
        assertTrue(Files.isRegularFile(dist.resolve("config/hermes-front.example.yaml")));
        assertTrue(Files.readString(dist.resolve("config/jvm.options")).contains("-XX:+UseSerialGC"),
                "the JVM defaults ./hermes-front uses ship with the tarball");
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(WsTestClient::close);
        if (front != null && front.isAlive()) {
            front.destroy();
            if (!front.waitFor(15, TimeUnit.SECONDS)) {
                front.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** A PATH of links to the tools the launcher needs, and nothing else: no mvn. */
    private Map<String, String> environment() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("path"));
        for (String tool : new String[] {"bash", "dirname", "readlink", "mkdir", "basename"}) {
            for (String d : new String[] {"/usr/bin", "/bin"}) {
                Path p = Path.of(d, tool);
                if (Files.isExecutable(p) && !Files.exists(bin.resolve(tool))) {
                    Files.createSymbolicLink(bin.resolve(tool), p);
                }
            }
        }
        return Map.of("PATH", bin.toString(), "JAVA_HOME", System.getProperty("java.home"), "HOME", dir.toString(),
                "HERMES_FRONT_JAVA_OPTS", "-XX:TieredStopAtLevel=1");
    }

    private int start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(dist.resolve("bin/hermes-front").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(dir.resolve("stderr.txt").toFile());
        pb.environment().clear();
        pb.environment().putAll(environment());
        front = pb.start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(front.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
                port.completeExceptionally(new AssertionError("exited without a ready line: " + Files.readString(dir.resolve("stderr.txt"))));
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        }, "dist-stdout");
        reader.setDaemon(true);
        reader.start();
        return port.get(90, TimeUnit.SECONDS);
    }

    @Test
    void theLauncherNeedsNoMavenAndTheDemoAnswersHealth() throws Exception {
        ProcessBuilder which = new ProcessBuilder(dir.resolve("path/bash").toString(), "-c", "command -v mvn");
        which.environment().clear();
        which.environment().putAll(environment());
        Process w = which.start();
        assertTrue(w.waitFor(10, TimeUnit.SECONDS));
        assertNotEquals(0, w.exitValue(), "mvn must not be on the PATH the launcher gets");
        int port = start("demo", "--listen", "127.0.0.1:0", "--token", "dist-token-0123456789", "--state-dir", dir.resolve("state").toString());
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/front/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("\"service\": \"hermes-front\""), r.body());
        String err = Files.readString(dir.resolve("stderr.txt"));
        assertTrue(!err.contains("XNIO version") && !err.contains("JBoss Threads version") && !err.contains("UT0"), "no banners: " + err);
    }

    @Test
    void sighupAppliesANewConfigWithoutDroppingUnchangedClients() throws Exception {
        Path yaml = dir.resolve("front.yaml");
        Files.writeString(yaml, "credentials:\n  - {name: keep, token: keep-token-0123456789, scope: chat}\n"
                + "  - {name: old, token: old-token-0123456789, scope: chat}\n");
        int port = start("demo", "--listen", "127.0.0.1:0", "--config", yaml.toString(), "--state-dir", dir.resolve("state").toString());
        WsTestClient kept = ws(port, "keep-token-0123456789");
        assertTrue(kept.next().contains("gateway.ready"));
        WsTestClient old = ws(port, "old-token-0123456789");
        assertTrue(old.next().contains("gateway.ready"));

        Files.writeString(yaml, "credentials:\n  - {name: keep, token: keep-token-0123456789, scope: chat}\n"
                + "  - {name: new, token: new-token-0123456789, scope: chat}\n");
        Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(front.pid())).inheritIO().start();
        assertTrue(hup.waitFor(10, TimeUnit.SECONDS) && hup.exitValue() == 0);

        assertEquals(4401, old.closeCode(), "the removed credential's client is closed");
        WsTestClient fresh = ws(port, "new-token-0123456789");
        assertTrue(fresh.next().contains("gateway.ready"));
        assertEquals(4401, ws(port, "old-token-0123456789").closeCode());
        kept.send("{\"jsonrpc\": \"2.0\", \"id\": 7, \"method\": \"session.create\", \"params\": {}}");
        String answer = kept.next();
        assertNotNull(answer);
        assertTrue(!kept.isClosed(), "the unchanged client kept its connection");
        assertNotEquals(-1, answer.indexOf("7"), answer);
    }

    private WsTestClient ws(int port, String token) throws Exception {
        WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + port + "/api/ws?token=" + token));
        clients.add(c);
        return c;
    }
}
