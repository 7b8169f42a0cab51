package dev.hermesfront.gateway;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A gateway started in-process on 127.0.0.1:0 for one test; close it to stop it and its agents. */
public final class TestGateway implements AutoCloseable {
    public static final String TOKEN = "test-token-123";

    private final GatewayServer server;
    /** The /api/ws engine every gateway started here gets before its tweak ({@code tui.ws_engine}); null: the default. */
    private static volatile String engine;

    private TestGateway(GatewayServer server) {
        this.server = server;
    }

    /** Sets the /api/ws engine of the gateways started from now on (a suite run once per engine); null for the default. */
    public static void engine(String e) {
        engine = e;
    }

    private static GatewayConfig base() {
        GatewayConfig c = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(TOKEN));
        String e = engine;
        return e == null ? c : c.with(dev.hermesfront.gateway.config.Settings.WS_ENGINE, e);
    }

    /** Starts a gateway with {@code launcher}, after applying {@code tweak} to the default config. */
    public static TestGateway start(AgentLauncher launcher, UnaryOperator<GatewayConfig> tweak) throws Exception {
        GatewayConfig cfg = tweak.apply(base());
        return new TestGateway(GatewayServer.builder(cfg, launcher).build().start());
    }

    /** Starts a gateway whose launcher dials with the gateway's own pools ({@link Pools#ws}). */
    public static TestGateway start(java.util.function.Function<Pools, AgentLauncher> launcher, UnaryOperator<GatewayConfig> tweak)
            throws Exception {
        GatewayConfig cfg = tweak.apply(base());
        Pools pools = Pools.start(cfg.pools());
        return new TestGateway(GatewayServer.builder(cfg, launcher.apply(pools)).pools(pools).build().start());
    }

    /** Starts a gateway whose agent is {@link EchoAgent} as a real child process, without parking. */
    public static TestGateway withEchoAgent() throws Exception {
        return withEchoAgent(c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
    }

    /** Starts a gateway whose agent is {@link EchoAgent} as a real child process. */
    public static TestGateway withEchoAgent(UnaryOperator<GatewayConfig> tweak) throws Exception {
        return start(new ProcessLauncher(javaMain(EchoAgent.class)), tweak);
    }

    /** Returns a command that runs {@code main} with the current JVM and class path, with short stop graces. */
    public static AgentCommand javaMain(Class<?> main, String... args) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> argv = new java.util.ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        argv.addAll(List.of(args));
        return AgentCommand.of(argv, null, Map.of()).withGraces(Duration.ofSeconds(2), Duration.ofSeconds(1));
    }

    /** Waits (bounded) until {@code n} agents are parked; the server parks an agent just after the client's close completes. */
    public void awaitParked(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.parked() != n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " parked agents, have " + server.parked());
            }
            Thread.sleep(5);
        }
    }

    public GatewayServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    /** Returns the /api/ws URI with the right token. */
    public URI wsUri() {
        return wsUri("?token=" + TOKEN);
    }

    /** Returns the /api/ws URI with the given query (including the '?'), or none if empty. */
    public URI wsUri(String query) {
        return URI.create("ws://127.0.0.1:" + port() + "/api/ws" + query);
    }

    public URI http(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    @Override
    public void close() {
        server.close();
    }
}
