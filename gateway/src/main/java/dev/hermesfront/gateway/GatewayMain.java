package dev.hermesfront.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.bridge.upstream.UpstreamLauncher;
import dev.hermesfront.gateway.config.AgentConfig;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.ConfigLoader;
import dev.hermesfront.gateway.config.ConfigValue;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.proxy.ApiKeyCheck;
import dev.hermesfront.gateway.record.RecordingLauncher;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code hermes-front} command: {@code demo}, {@code serve} and {@code config}. The composition root,
 * and the only place that reads {@code System.getenv()}.
 */
@Command(name = "hermes-front", mixinStandardHelpOptions = true, version = "hermes-front 0.1.0",
        description = "Reach a Hermes Agent from another machine: serves the TUI's /api/ws channel, bridges it to a loopback agent, "
                + "and fronts the API server and dashboard on the same port.",
        subcommands = {GatewayMain.Demo.class, GatewayMain.Serve.class, GatewayMain.Config.class})
public final class GatewayMain implements Callable<Integer> {
    static final String ENV_TOKEN = "HERMES_FRONT_TOKEN";

    @Override
    public Integer call() {
        new picocli.CommandLine(this).usage(System.out);
        return 0;
    }

    public static void main(String[] args) {
        configureLogging();
        configureAsyncPool();
        int code = commandLine(System.getenv(), Path.of(System.getProperty("user.home"))).execute(args);
        System.exit(code);
    }

    static picocli.CommandLine commandLine(Map<String, String> env, Path userHome) {
        picocli.CommandLine cl = new picocli.CommandLine(new GatewayMain(), new Factory(env, userHome));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ConfigException || ex instanceof BindException) {
                cmd.getErr().println("hermes-front: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    /**
     * On a machine with one or two cores the common ForkJoinPool has parallelism 1, and then every
     * {@code CompletableFuture.*Async} step without an executor gets a brand-new thread; the JDK
     * HttpClient's WebSocket handshake takes such steps, so each upstream /api/ws connection started one.
     * A parallelism of 2 makes them run on the pool. An explicit setting is left alone.
     */
    private static void configureAsyncPool() {
        String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
        if (System.getProperty(key) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(key, "2");
        }
    }

    private static void configureLogging() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n");
        }
    }

    /**
     * Options every command shares. No defaults here: {@link ConfigLoader} applies them, so it can tell a
     * flag from a default and print where each value came from.
     */
    abstract static class Common implements Callable<Integer> {
        final Map<String, String> env;
        final Path userHome;

        @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (default: $" + ConfigLoader.ENV_CONFIG + ", else none).")
        String config;

        @Option(names = "--listen", paramLabel = "HOST:PORT",
                description = "Address to bind (default: " + ListenAddress.DEFAULT + "). A non-loopback address needs a credential.")
        String listen;

        @Option(names = "--token", paramLabel = "T",
                description = "Token clients present as ?token= (WebSockets), Authorization: Bearer or X-Hermes-Session-Token "
                        + "(default: $" + ENV_TOKEN + ", else a random one on loopback).")
        String token;

        @Option(names = "--basic-user", paramLabel = "NAME:PASSWORD", description = "HTTP Basic user accepted at the front; repeatable.")
        List<String> basicUsers = List.of();

        @Option(names = "--allowed-host", paramLabel = "NAME",
                description = "Host name accepted besides the bind address, e.g. a MagicDNS name; repeatable.")
        List<String> allowedHosts = List.of();

        @Option(names = "--allowed-origin", paramLabel = "ORIGIN",
                description = "Cross-origin browser origin allowed (exact), or null / file:// for the desktop app; repeatable.")
        List<String> allowedOrigins = List.of();

        @Option(names = "--api-upstream", paramLabel = "URL",
                description = "API server to proxy /v1, /health, /api/jobs, /api/sessions to, or off "
                        + "(default: http://127.0.0.1:${API_SERVER_PORT:-8642} when a key is found).")
        String apiUpstream;

        @Option(names = "--api-key", paramLabel = "KEY",
                description = "Key injected as Authorization: Bearer on the API server hop (default: $API_SERVER_KEY, then $HERMES_HOME/.env).")
        String apiKey;

        @Option(names = "--dashboard-upstream", paramLabel = "URL",
                description = "Dashboard to proxy every other path to, e.g. http://127.0.0.1:9119 (default: off).")
        String dashboardUpstream;

        @Option(names = "--dashboard-token", paramLabel = "T",
                description = "Dashboard session token injected on the dashboard hop "
                        + "(default: $HERMES_DASHBOARD_SESSION_TOKEN, then $HERMES_HOME/.env, else read from the dashboard's page).")
        String dashboardToken;

        @Option(names = "--hermes-home", paramLabel = "DIR", description = "Hermes home whose .env is read (default: $HERMES_HOME, else ~/.hermes).")
        String hermesHome;

        @Option(names = "--max-body-bytes", paramLabel = "N", description = "Largest request body proxied; larger gets 413 (default: 10000000).")
        String maxBodyBytes;

        @Option(names = "--max-message-bytes", paramLabel = "N",
                description = "Largest client message on /api/ws; larger ones close the connection with 1009 (default: 67108864).")
        String maxMessageBytes;

        @Option(names = "--connect-timeout", paramLabel = "DURATION", description = "Loopback connect timeout, ISO-8601 or seconds (default: PT5S).")
        String connectTimeout;

        @Option(names = "--response-timeout", paramLabel = "DURATION",
                description = "Wait for an upstream's response headers (a whole non-stream turn); 0 = none (default: PT30M).")
        String responseTimeout;

        @Option(names = "--idle-timeout", paramLabel = "DURATION",
                description = "Longest silence inside a streamed response; 0 = none (default: PT2M).")
        String idleTimeout;

        @Option(names = "--park-window", paramLabel = "DURATION",
                description = "How long an agent is kept after its client drops, for the client to come back (default: 2m; 0 disables parking).")
        String parkWindow;

        @Option(names = "--park-buffer-frames", paramLabel = "N",
                description = "Frames kept for a parked agent's client; past it the agent is stopped and the loss reported (default: 10000).")
        String parkBufferFrames;

        @Option(names = "--park-buffer-bytes", paramLabel = "N", description = "Characters kept for a parked agent's client (default: 8388608).")
        String parkBufferBytes;

        @Option(names = "--max-agents", paramLabel = "N",
                description = "Agents running or parked at once; new connections past it are closed with 1013 (default: 1024).")
        String maxAgents;

        @Option(names = "--agent-ready-timeout", paramLabel = "DURATION",
                description = "How long a new agent may take to send gateway.ready; then the client is closed 1011 (default: 60s).")
        String readyTimeout;

        @Option(names = "--ping-interval", paramLabel = "DURATION",
                description = "WebSocket pings to non-loopback clients; a client silent for two intervals is closed and its agent parked "
                        + "(default: 20s; 0 disables).")
        String pingInterval;

        @Option(names = "--ping-loopback", description = "Ping loopback clients too (default: off, as upstream's dashboard does).")
        boolean pingLoopback;

        @Option(names = "--audit-log", paramLabel = "FILE",
                description = "JSON-lines audit log of connections, privileged calls, denials, auth failures and limits (default: off).")
        String auditLog;

        @Option(names = "--record", paramLabel = "DIR",
                description = "Record each connection's frames to a JSONL transcript in DIR, secrets redacted (docs/conformance.md).")
        Path recordDir;

        @Option(names = "--client-stall", paramLabel = "DURATION",
                description = "How long a client may leave its queue full before it is closed 1013 and its agent parked (default: 30s).")
        String clientStall;

        @Option(names = "--peer-probe-interval", paramLabel = "DURATION",
                description = "Time between health probes of each configured peer (default: 15s).")
        String peerProbeInterval;

        @Option(names = "--peer-timeout", paramLabel = "DURATION",
                description = "Longest time one peer may take in a fan-out call, unless the peer sets its own timeout (default: 5m).")
        String peerTimeout;

        Common(Map<String, String> env, Path userHome) {
            this.env = env;
            this.userHome = userHome;
        }

        /** Returns the flags given, by YAML key. */
        Map<String, List<String>> flags() {
            Map<String, List<String>> f = new LinkedHashMap<>();
            put(f, "config", config);
            put(f, "listen", listen);
            put(f, "token", token);
            f.put("basic_users", basicUsers);
            f.put("allowed_hosts", allowedHosts);
            f.put("allowed_origins", allowedOrigins);
            put(f, "api.upstream", apiUpstream);
            put(f, "api.key", apiKey);
            put(f, "dashboard.upstream", dashboardUpstream);
            put(f, "dashboard.token", dashboardToken);
            put(f, "hermes_home", hermesHome);
            put(f, "max_body_bytes", maxBodyBytes);
            put(f, "max_message_bytes", maxMessageBytes);
            put(f, "timeouts.connect", connectTimeout);
            put(f, "timeouts.response", responseTimeout);
            put(f, "timeouts.idle", idleTimeout);
            put(f, "tui.park_window", parkWindow);
            put(f, "tui.park_buffer_frames", parkBufferFrames);
            put(f, "tui.park_buffer_bytes", parkBufferBytes);
            put(f, "tui.max_agents", maxAgents);
            put(f, "tui.agent_ready_timeout", readyTimeout);
            put(f, "tui.ping_interval", pingInterval);
            put(f, "tui.client_stall", clientStall);
            put(f, "audit_log", auditLog);
            put(f, "peer_probe_interval", peerProbeInterval);
            put(f, "peer_timeout", peerTimeout);
            if (pingLoopback) {
                put(f, "tui.ping_loopback", "true");
            }
            return f;
        }

        static void put(Map<String, List<String>> f, String key, String value) {
            if (value != null) {
                f.put(key, List.of(value));
            }
        }

        /** Wraps the launcher in a recorder when {@code --record} is given. */
        AgentLauncher recorded(AgentLauncher launcher) {
            if (recordDir == null) {
                return launcher;
            }
            try {
                return RecordingLauncher.wrap(launcher, recordDir);
            } catch (java.io.IOException | RuntimeException e) {
                launcher.close();
                throw new ConfigException("--record", recordDir.toString(), "a directory hermes-front can write ("
                        + e.getMessage() + ")");
            }
        }

        ConfigLoader.Loaded load(boolean agentRequired, boolean autoApi) {
            return ConfigLoader.load(new ConfigLoader.Input(flags(), env, userHome, agentRequired, autoApi, GatewayMain::randomToken));
        }
    }

    /** {@code demo} and {@code serve}: start the server and wait for shutdown. */
    abstract static class Run extends Common {
        Run(Map<String, String> env, Path userHome) {
            super(env, userHome);
        }

        abstract ConfigLoader.Loaded loaded();

        abstract AgentLauncher launcher(ConfigLoader.Loaded loaded);

        @Override
        public Integer call() throws Exception {
            ConfigLoader.Loaded loaded = loaded();
            GatewayConfig config = loaded.gateway();
            long t0 = System.nanoTime();
            AgentLauncher launcher = recorded(launcher(loaded));
            GatewayServer server = new GatewayServer(config, launcher);
            try {
                server.start();
            } catch (RuntimeException e) {
                launcher.close();
                if (e.getCause() instanceof BindException be) {
                    throw new ConfigException("--listen", ListenAddress.format(config.listen()),
                            "an address this machine can bind (" + be.getMessage() + ")");
                }
                throw e;
            }
            long startedMs = (System.nanoTime() - t0) / 1_000_000;
            printAttach(System.out, config, server.port(), loaded.generatedToken(), startedMs);
            for (String note : loaded.notes()) {
                System.err.println("hermes-front: note: " + note);
            }
            config.api().ifPresent(api -> {
                String source = loaded.values().stream().filter(v -> v.key().equals("api.key")).map(ConfigValue::source)
                        .findFirst().orElse("configuration");
                ApiKeyCheck.run(HttpClient.newBuilder().connectTimeout(api.connectTimeout()).build(), api, source)
                        .report(api.uri().toString(), System.out, System.err);
            });
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stop.countDown();
            }, "shutdown"));
            stop.await();
            return 0;
        }
    }

    static void printAttach(PrintStream out, GatewayConfig config, int port, boolean generated, long startedMs) {
        String host = ListenAddress.format(new InetSocketAddress(config.listen().getAddress(), port));
        out.println("hermes-front ready in " + startedMs + " ms on " + host
                + (generated ? " (random token; pass --token to choose one)" : ""));
        config.api().ifPresent(a -> out.println("REST: /v1, /health, /api/jobs, /api/sessions -> " + a.uri()));
        config.dashboard().ifPresent(d -> out.println("Dashboard: every other path -> " + d.uri()));
        Optional<Credential.Token> token = config.credentials().all().stream()
                .filter(c -> c instanceof Credential.Token).map(c -> (Credential.Token) c).findFirst();
        out.println("Attach the Hermes TUI with:");
        out.println("  HERMES_TUI_GATEWAY_URL='ws://" + host + "/api/ws?token="
                + token.map(t -> t.token().reveal()).orElse("TOKEN") + "' hermes --tui");
        out.flush();
    }

    static String randomToken() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Run the gateway with the built-in demo agent (replies \"Echo: <prompt>\"); nothing else needed. "
                    + "Proxies the API server or dashboard only when one is configured.")
    static final class Demo extends Run {
        Demo(Map<String, String> env, Path userHome) {
            super(env, userHome);
        }

        @Override
        ConfigLoader.Loaded loaded() {
            return load(false, false);
        }

        @Override
        AgentLauncher launcher(ConfigLoader.Loaded loaded) {
            return new DemoLauncher(new ObjectMapper(), new FrameCodec());
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Run the gateway in front of a real agent (one agent process per attached client over stdio, or one "
                    + "connection per client to a loopback dashboard's /api/ws), the API server and, optionally, the dashboard.")
    static final class Serve extends Run {
        @Option(names = "--agent-cmd", paramLabel = "'CMD ARGS'",
                description = "Agent command, split like a shell would but run without one, e.g. 'python -m tui_gateway.entry' "
                        + "(this or --agent-ws is required, or $HERMES_FRONT_AGENT_CMD / agent.cmd).")
        String agentCmd;

        @Option(names = "--agent-ws", paramLabel = "URL",
                description = "Bridge each client to a loopback dashboard's /api/ws instead, e.g. ws://127.0.0.1:9119/api/ws; "
                        + "--dashboard-token is sent on that hop only.")
        String agentWs;

        @Option(names = "--agent-cwd", paramLabel = "DIR", description = "Working directory of the agent (default: the gateway's).")
        String agentCwd;

        @Option(names = "--agent-env", paramLabel = "NAME=VALUE", description = "Extra environment for the agent; repeatable.")
        List<String> agentEnv = List.of();

        @Option(names = "--agent-stop-grace", paramLabel = "SECONDS",
                description = "Seconds between closing the agent's stdin and SIGTERM (default: 5); SIGKILL 2 s later.")
        String stopGrace;

        Serve(Map<String, String> env, Path userHome) {
            super(env, userHome);
        }

        @Override
        Map<String, List<String>> flags() {
            Map<String, List<String>> f = super.flags();
            put(f, "agent.cmd", agentCmd);
            put(f, "agent.ws", agentWs);
            put(f, "agent.cwd", agentCwd);
            f.put("agent.env", agentEnv);
            put(f, "agent.stop_grace", stopGrace);
            return f;
        }

        @Override
        ConfigLoader.Loaded loaded() {
            return load(true, true);
        }

        @Override
        AgentLauncher launcher(ConfigLoader.Loaded loaded) {
            AgentConfig a = loaded.agent().orElseThrow();
            if (a.ws().isPresent()) {
                return new UpstreamLauncher(a.ws().get(), a.wsToken().map(Secret::reveal).orElse(null));
            }
            AgentCommand cmd = AgentCommand.of(a.argv(), a.cwd().orElse(null), a.env())
                    .withGraces(a.stopGrace(), Duration.ofSeconds(2));
            return new ProcessLauncher(cmd);
        }
    }

    @Command(name = "config", mixinStandardHelpOptions = true,
            description = "Print every effective setting of serve and where it came from (flag, env var, file, .env, default); secrets redacted.")
    static final class Config extends Common {
        @Option(names = "--agent-cmd", paramLabel = "'CMD ARGS'", description = "As for serve.")
        String agentCmd;

        Config(Map<String, String> env, Path userHome) {
            super(env, userHome);
        }

        @Override
        Map<String, List<String>> flags() {
            Map<String, List<String>> f = super.flags();
            put(f, "agent.cmd", agentCmd);
            return f;
        }

        @Override
        public Integer call() {
            ConfigLoader.Loaded loaded = load(false, true);
            printConfig(System.out, loaded);
            return 0;
        }
    }

    static void printConfig(PrintStream out, ConfigLoader.Loaded loaded) {
        out.println("# hermes-front effective configuration (serve)");
        out.println("# precedence: flag > env HERMES_FRONT_* > config file > env API_SERVER_*/HERMES_DASHBOARD_SESSION_TOKEN "
                + "> $HERMES_HOME/.env > default");
        int width = loaded.values().stream().mapToInt(v -> v.key().length()).max().orElse(10);
        int vwidth = Math.min(48, loaded.values().stream().mapToInt(v -> v.value().length()).max().orElse(10));
        for (ConfigValue v : loaded.values()) {
            out.printf("%-" + width + "s  %-" + vwidth + "s  # %s%n", v.key(), v.value(), v.source());
        }
        for (String note : loaded.notes()) {
            out.println("# note: " + note);
        }
        out.flush();
    }

    /** Gives subcommands the environment map and home directory, so tests can pass their own. */
    private record Factory(Map<String, String> env, Path userHome) implements picocli.CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == Demo.class) {
                return cls.cast(new Demo(env, userHome));
            }
            if (cls == Serve.class) {
                return cls.cast(new Serve(env, userHome));
            }
            if (cls == Config.class) {
                return cls.cast(new Config(env, userHome));
            }
            return picocli.CommandLine.defaultFactory().create(cls);
        }
    }
}
