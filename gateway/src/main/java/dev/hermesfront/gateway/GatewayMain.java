package dev.hermesfront.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.bridge.upstream.UpstreamLauncher;
import dev.hermesfront.gateway.config.CommandLine;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.Durations;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code hermes-front} command: {@code demo} and {@code serve}. The composition root, and the only
 * place that reads {@code System.getenv()}.
 */
@Command(name = "hermes-front", mixinStandardHelpOptions = true, version = "hermes-front 0.1.0",
        description = "Reach a Hermes Agent from another machine: serves the TUI's /api/ws channel and bridges it to a loopback agent.",
        subcommands = {GatewayMain.Demo.class, GatewayMain.Serve.class})
public final class GatewayMain implements Callable<Integer> {
    static final String ENV_TOKEN = "HERMES_FRONT_TOKEN";

    @Override
    public Integer call() {
        new picocli.CommandLine(this).usage(System.out);
        return 0;
    }

    public static void main(String[] args) {
        configureLogging();
        int code = commandLine(System.getenv()).execute(args);
        System.exit(code);
    }

    static picocli.CommandLine commandLine(Map<String, String> env) {
        picocli.CommandLine cl = new picocli.CommandLine(new GatewayMain(), new Factory(env));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ConfigException || ex instanceof BindException) {
                cmd.getErr().println("hermes-front: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    private static void configureLogging() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n");
        }
    }

    /** Options shared by {@code demo} and {@code serve}. */
    abstract static class Common implements Callable<Integer> {
        final Map<String, String> env;

        @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = ListenAddress.DEFAULT,
                description = "Address to bind (default: ${DEFAULT-VALUE}). A non-loopback address needs a token.")
        String listen;

        @Option(names = "--token", paramLabel = "T",
                description = "Token clients must pass as ?token= (default: $" + ENV_TOKEN + ", else a random one on loopback).")
        String token;

        @Option(names = "--max-message-bytes", paramLabel = "N", defaultValue = "" + GatewayConfig.DEFAULT_MAX_MESSAGE_BYTES,
                description = "Largest client message on /api/ws; larger ones close the connection with 1009 (default: ${DEFAULT-VALUE}).")
        int maxMessageBytes;

        @Option(names = "--park-window", paramLabel = "DURATION", defaultValue = "2m",
                description = "How long an agent is kept after its client drops, for the client to come back (default: ${DEFAULT-VALUE}; 0 disables parking).")
        String parkWindow;

        @Option(names = "--park-buffer-frames", paramLabel = "N", defaultValue = "10000",
                description = "Frames kept for a parked agent's client; past it the agent is stopped and the loss reported (default: ${DEFAULT-VALUE}).")
        int parkBufferFrames;

        @Option(names = "--park-buffer-bytes", paramLabel = "N", defaultValue = "8388608",
                description = "Characters kept for a parked agent's client (default: ${DEFAULT-VALUE}).")
        long parkBufferBytes;

        @Option(names = "--max-agents", paramLabel = "N", defaultValue = "1024",
                description = "Agents running or parked at once; new connections past it are closed with 1013 (default: ${DEFAULT-VALUE}).")
        int maxAgents;

        @Option(names = "--agent-ready-timeout", paramLabel = "DURATION", defaultValue = "60s",
                description = "How long a new agent may take to send gateway.ready; then the client is closed 1011 (default: ${DEFAULT-VALUE}).")
        String readyTimeout;

        @Option(names = "--ping-interval", paramLabel = "DURATION", defaultValue = "20s",
                description = "WebSocket pings to non-loopback clients; a client silent for two intervals is closed and its agent parked "
                        + "(default: ${DEFAULT-VALUE}; 0 disables).")
        String pingInterval;

        @Option(names = "--ping-loopback", description = "Ping loopback clients too (default: off, as upstream's dashboard does).")
        boolean pingLoopback;

        Common(Map<String, String> env) {
            this.env = env;
        }

        abstract AgentLauncher launcher();

        /**
         * Resolves the listen address and token; on loopback without a token, generates one. Throws
         * {@link ConfigException} for a non-loopback address without a token: never "auth off".
         */
        GatewayConfig resolve() {
            InetSocketAddress address = ListenAddress.parse("--listen", listen);
            String given = token != null ? token : env.get(ENV_TOKEN);
            if (given == null || given.isEmpty()) {
                if (!ListenAddress.isLoopback(address)) {
                    throw new ConfigException("refusing to listen on " + listen
                            + " without a token: anyone who reaches that address could drive the agent. "
                            + "Pass --token T (or set " + ENV_TOKEN + "), or listen on 127.0.0.1.");
                }
                given = randomToken();
                generatedToken = true;
            }
            if (parkBufferFrames < 0 || parkBufferBytes < 0) {
                throw new ConfigException("--park-buffer-frames/--park-buffer-bytes", parkBufferFrames + "/" + parkBufferBytes,
                        "integers >= 0");
            }
            ParkingPolicy parking = new ParkingPolicy(Durations.parse("--park-window", parkWindow), parkBufferFrames, parkBufferBytes);
            GatewayConfig base = GatewayConfig.of(address, Secret.of(given));
            return base.withMaxMessageBytes(maxMessageBytes).withParking(parking)
                    .withAgentLimits(maxAgents, base.spawnBurst(), base.spawnPerSecond())
                    .withLiveness(Durations.parse("--agent-ready-timeout", readyTimeout), Durations.parse("--ping-interval", pingInterval),
                            pingLoopback);
        }

        private boolean generatedToken;

        @Override
        public Integer call() throws Exception {
            GatewayConfig config = resolve();
            InetSocketAddress address = config.listen();
            boolean generated = generatedToken;
            long t0 = System.nanoTime();
            AgentLauncher launcher = launcher();
            GatewayServer server = new GatewayServer(config, launcher);
            try {
                server.start();
            } catch (RuntimeException e) {
                launcher.close();
                if (e.getCause() instanceof BindException be) {
                    throw new ConfigException("--listen", listen, "an address this machine can bind (" + be.getMessage() + ")");
                }
                throw e;
            }
            long startedMs = (System.nanoTime() - t0) / 1_000_000;
            printAttach(System.out, address, server.port(), config.token(), generated, startedMs);
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stop.countDown();
            }, "shutdown"));
            stop.await();
            return 0;
        }
    }

    static void printAttach(PrintStream out, InetSocketAddress address, int port, Secret token, boolean generated, long startedMs) {
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        out.println("hermes-front ready in " + startedMs + " ms on " + host + ":" + port
                + (generated ? " (random token; pass --token to choose one)" : ""));
        out.println("Attach the Hermes TUI with:");
        out.println("  HERMES_TUI_GATEWAY_URL='ws://" + host + ":" + port + "/api/ws?token=" + token.reveal() + "' hermes --tui");
        out.flush();
    }

    static String randomToken() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Run the gateway with the built-in demo agent (replies \"Echo: <prompt>\"); nothing else needed.")
    static final class Demo extends Common {
        Demo(Map<String, String> env) {
            super(env);
        }

        @Override
        AgentLauncher launcher() {
            return new DemoLauncher(new ObjectMapper(), new FrameCodec());
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Run the gateway in front of a real agent: one agent process per attached client over stdio (--agent-cmd), "
                    + "or one connection per client to a loopback dashboard's /api/ws (--agent-ws).")
    static final class Serve extends Common {
        static final String ENV_DASHBOARD_TOKEN = "HERMES_DASHBOARD_SESSION_TOKEN";

        @Option(names = "--agent-cmd", paramLabel = "'CMD ARGS'",
                description = "Agent command, split like a shell would but run without one, e.g. 'python -m tui_gateway.entry'.")
        String agentCmd;

        @Option(names = "--agent-ws", paramLabel = "URL",
                description = "Bridge to a loopback dashboard's /api/ws instead, e.g. ws://127.0.0.1:9119/api/ws.")
        String agentWs;

        @Option(names = "--dashboard-token", paramLabel = "T",
                description = "The dashboard's session token, sent on the loopback hop only (default: $" + ENV_DASHBOARD_TOKEN + ").")
        String dashboardToken;

        @Option(names = "--agent-cwd", paramLabel = "DIR", description = "Working directory of the agent (default: the gateway's).")
        Path agentCwd;

        @Option(names = "--agent-env", paramLabel = "NAME=VALUE", description = "Extra environment for the agent; repeatable.")
        List<String> agentEnv = List.of();

        @Option(names = "--agent-stop-grace", paramLabel = "SECONDS", defaultValue = "5",
                description = "Seconds between closing the agent's stdin and SIGTERM (default: ${DEFAULT-VALUE}); SIGKILL 2 s later.")
        long stopGraceSeconds;

        Serve(Map<String, String> env) {
            super(env);
        }

        @Override
        AgentLauncher launcher() {
            if ((agentCmd == null) == (agentWs == null)) {
                throw new ConfigException("serve needs exactly one of --agent-cmd 'CMD ARGS' (stdio agent) or --agent-ws URL (dashboard)");
            }
            if (agentWs != null) {
                URI url;
                try {
                    url = new URI(agentWs);
                } catch (URISyntaxException e) {
                    throw new ConfigException("--agent-ws", agentWs, "a ws:// URL such as ws://127.0.0.1:9119/api/ws");
                }
                if (!"ws".equals(url.getScheme()) && !"wss".equals(url.getScheme()) || url.getHost() == null || url.getPort() < 0) {
                    throw new ConfigException("--agent-ws", agentWs, "a ws:// URL with host and port, such as ws://127.0.0.1:9119/api/ws");
                }
                String tok = dashboardToken != null ? dashboardToken : env.get(ENV_DASHBOARD_TOKEN);
                return new UpstreamLauncher(url, tok == null || tok.isEmpty() ? null : tok);
            }
            List<String> argv = CommandLine.split("--agent-cmd", agentCmd);
            if (agentCwd != null && !Files.isDirectory(agentCwd)) {
                throw new ConfigException("--agent-cwd", agentCwd.toString(), "an existing directory");
            }
            Map<String, String> extra = new LinkedHashMap<>();
            for (String kv : agentEnv) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new ConfigException("--agent-env", kv, "NAME=VALUE");
                }
                extra.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            if (stopGraceSeconds < 0) {
                throw new ConfigException("--agent-stop-grace", Long.toString(stopGraceSeconds), "a number of seconds >= 0");
            }
            AgentCommand cmd = AgentCommand.of(argv, agentCwd, extra)
                    .withGraces(Duration.ofSeconds(stopGraceSeconds), Duration.ofSeconds(2));
            return new ProcessLauncher(cmd);
        }
    }

    /** Gives subcommands the environment map, so tests can pass their own. */
    private record Factory(Map<String, String> env) implements picocli.CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == Demo.class) {
                return cls.cast(new Demo(env));
            }
            if (cls == Serve.class) {
                return cls.cast(new Serve(env));
            }
            return picocli.CommandLine.defaultFactory().create(cls);
        }
    }
}
