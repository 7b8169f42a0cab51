package dev.hermesfront.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.config.CommandLine;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.record.RecordingLauncher;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
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

        @Option(names = "--record", paramLabel = "DIR",
                description = "Record each connection's frames to a JSONL transcript in DIR, secrets redacted (docs/conformance.md).")
        Path recordDir;

        Common(Map<String, String> env) {
            this.env = env;
        }

        abstract AgentLauncher launcher();

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

        @Override
        public Integer call() throws Exception {
            InetSocketAddress address = ListenAddress.parse("--listen", listen);
            String given = token != null ? token : env.get(ENV_TOKEN);
            boolean generated = false;
            if (given == null || given.isEmpty()) {
                if (!ListenAddress.isLoopback(address)) {
                    throw new ConfigException("refusing to listen on " + listen
                            + " without a token: anyone who reaches that address could drive the agent. "
                            + "Pass --token T (or set " + ENV_TOKEN + "), or listen on 127.0.0.1.");
                }
                given = randomToken();
                generated = true;
            }
            GatewayConfig config = GatewayConfig.of(address, Secret.of(given)).withMaxMessageBytes(maxMessageBytes);
            long t0 = System.nanoTime();
            AgentLauncher launcher = recorded(launcher());
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
            description = "Run the gateway in front of a real agent: one agent process per attached client, over stdio.")
    static final class Serve extends Common {
        @Option(names = "--agent-cmd", paramLabel = "'CMD ARGS'", required = true,
                description = "Agent command, split like a shell would but run without one, e.g. 'python -m tui_gateway.entry'.")
        String agentCmd;

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
