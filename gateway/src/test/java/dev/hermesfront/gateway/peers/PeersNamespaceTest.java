package dev.hermesfront.gateway.peers;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hermesfront.gateway.GatewayMain;
import dev.hermesfront.gateway.PeerNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The multi-machine scenarios across real network namespaces: each peer is its own host (own namespace,
 * own address on a veth pair to the coordinator's namespace, like a tailnet node), bound to that address
 * only, running as its own JVM; the coordinator runs {@code hermes-front demo --config} in a namespace of
 * its own, reached from the test through one more veth pair. Addresses are 10.N.x.y with N picked per run
 * and exist only inside the namespaces made here (and on the test's end of that one veth pair).
 *
 * <p>Needs root and iproute2 ({@code ip netns}); otherwise every test is reported skipped with the reason.
 * Everything is torn down afterwards, even on failure: processes by PID, namespaces by name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeersNamespaceTest extends PeerScenarios {
    private static final long WAIT_S = 60;
    private static final Pattern READY = Pattern.compile("ready in \\d+ ms on ([0-9.]+):(\\d+)");

    private final String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
    private final int net = ThreadLocalRandom.current().nextInt(200, 250);
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> temp = new ArrayList<>();
    private String coordinatorAuthority;
    private int studioPort;

    private String ns(String role) {
        return "hf-" + id + "-" + role;
    }

    private String addr(int link, int host) {
        return "10." + net + "." + link + "." + host;
    }

    @BeforeAll
    void start() throws Exception {
        assumeTrue(new File("/proc/self/ns/net").exists(), "no network namespaces on this system (/proc/self/ns/net missing)");
        String ip = onPath("ip");
        assumeTrue(ip != null, "iproute2 is not installed (no `ip` on PATH): apt-get install iproute2 to run the namespace suite");
        assumeTrue("root".equals(System.getProperty("user.name")) || run(List.of("id", "-u")).strip().equals("0"),
                "network namespaces need root; running as " + System.getProperty("user.name"));
        String probe = "hf-" + id + "-probe";
        Result r = exec(List.of("ip", "netns", "add", probe));
        assumeTrue(r.code == 0, "cannot create a network namespace here (" + r.output.strip() + ")");
        exec(List.of("ip", "netns", "del", probe));
        assumeTrue(exec(List.of("ip", "route", "show", "10." + net + ".0.0/16")).output.isBlank(),
                "10." + net + ".0.0/16 is already routed on this host");

        String c = ns("c");
        for (String role : List.of("c", "s", "m", "e", "d")) {
            must("ip", "netns", "add", ns(role));
            namespaces.add(ns(role));
            must("ip", "-n", ns(role), "link", "set", "lo", "up");
        }
        // The test's way in: one veth pair between this namespace and the coordinator's.
        String hostEnd = "hf" + id + "0";
        must("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", hostEnd + "b");
        must("ip", "link", "set", hostEnd + "b", "netns", c);
        must("ip", "addr", "add", addr(0, 1) + "/24", "dev", hostEnd);
        must("ip", "link", "set", hostEnd, "up");
        must("ip", "-n", c, "addr", "add", addr(0, 2) + "/24", "dev", hostEnd + "b");
        must("ip", "-n", c, "link", "set", hostEnd + "b", "up");
        // One link per peer host: coordinator 10.N.k.1 <-> peer 10.N.k.2.
        String[] roles = {"s", "m", "e", "d"};
        for (int k = 1; k <= roles.length; k++) {
            String a = "hf" + id + k;
            must("ip", "link", "add", a, "type", "veth", "peer", "name", a + "b");
            must("ip", "link", "set", a, "netns", c);
            must("ip", "link", "set", a + "b", "netns", ns(roles[k - 1]));
            must("ip", "-n", c, "addr", "add", addr(k, 1) + "/24", "dev", a);
            must("ip", "-n", c, "link", "set", a, "up");
            must("ip", "-n", ns(roles[k - 1]), "addr", "add", addr(k, 2) + "/24", "dev", a + "b");
            must("ip", "-n", ns(roles[k - 1]), "link", "set", a + "b", "up");
        }

        CompletableFuture<String> studio = java(ns("s"), Map.of(), PeerNode.class, "front", "studio", addr(1, 2), "0", STUDIO_TOKEN, "90");
        CompletableFuture<String> mini = java(ns("m"), Map.of(), PeerNode.class, "front", "mini", addr(2, 2), "0", MINI_TOKEN,
                Long.toString(MINI_DELAY.toMillis()));
        CompletableFuture<String> echo = java(ns("e"), Map.of(), PeerNode.class, "echo", addr(3, 2), "0");
        studioPort = readyPort(studio.get(WAIT_S, TimeUnit.SECONDS));
        int miniPort = readyPort(mini.get(WAIT_S, TimeUnit.SECONDS));
        int echoPort = readyPort(echo.get(WAIT_S, TimeUnit.SECONDS));

        Path yaml = Files.createTempFile("hf-coordinator", ".yaml");
        temp.add(yaml);
        Files.writeString(yaml, Coordinators.yaml(peersYaml("http://" + addr(1, 2) + ":" + studioPort, "http://" + addr(2, 2) + ":" + miniPort,
                "http://" + addr(4, 2) + ":9121", "http://" + addr(3, 2) + ":" + echoPort), COORD_TOKEN, READ_TOKEN));
        String line = java(c, Map.of("STUDIO_TOKEN", STUDIO_TOKEN, "MINI_TOKEN", MINI_TOKEN, "ECHO_PASSWORD", ECHO_PASSWORD),
                GatewayMain.class, "demo", "--listen", addr(0, 2) + ":0", "--insecure-plaintext", "--config", yaml.toString()).get(WAIT_S, TimeUnit.SECONDS);
        Matcher m = READY.matcher(line);
        if (!m.find()) {
            throw new IllegalStateException("coordinator did not start: " + line);
        }
        coordinatorAuthority = m.group(1) + ":" + m.group(2);
    }

    @AfterAll
    void stop() throws Exception {
        for (Process p : processes) {
            p.getOutputStream().close();
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        for (String n : namespaces) {
            exec(List.of("ip", "netns", "del", n));
        }
        exec(List.of("ip", "link", "del", "hf" + id + "0"));
        for (Path p : temp) {
            Files.deleteIfExists(p);
        }
    }

    @Override
    URI coordinator() {
        return URI.create("http://" + coordinatorAuthority);
    }

    @Override
    boolean reachableFrom(String peer, String host, int port) throws Exception {
        // bash's /dev/tcp opens one TCP connection from inside the peer's namespace.
        return exec(List.of("timeout", "5", "ip", "netns", "exec", ns("s"), "bash", "-c", "exec 3<>/dev/tcp/" + host + "/" + port)).code == 0;
    }

    @Override
    String boundAddress(String name) {
        return addr(1, 2);
    }

    @Override
    int peerPort(String name) {
        return studioPort;
    }

    @Override
    List<String> otherAddresses(String name) {
        return List.of("127.0.0.1");
    }

    // ------------------------------------------------------------------ processes

    private record Result(int code, String output) {}

    private CompletableFuture<String> java(String namespace, Map<String, String> env, Class<?> main, String... args) throws IOException {
        String javaBin = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace, javaBin, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path err = Files.createTempFile("hf-" + namespace, ".log");
        temp.add(err);
        pb.redirectError(err.toFile());
        Process p = pb.start();
        processes.add(p);
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    if (l.startsWith("READY ") || l.contains("ready in ")) {
                        ready.complete(l);
                    }
                }
                ready.completeExceptionally(new IllegalStateException(namespace + ": " + main.getSimpleName() + " exited: "
                        + Files.readString(err)));
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
        }, "ns-out-" + namespace);
        t.setDaemon(true);
        t.start();
        return ready;
    }

    private static int readyPort(String line) {
        return Integer.parseInt(line.substring("READY ".length()).strip());
    }

    private static void must(String... cmd) throws Exception {
        Result r = exec(List.of(cmd));
        if (r.code != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.output);
        }
    }

    private static String run(List<String> cmd) throws Exception {
        return exec(cmd).output;
    }

    private static Result exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.getMessage();
            }
        });
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS));
    }

    private static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return dir + "/" + name;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return dir + "/" + name;
            }
        }
        return null;
    }
}
