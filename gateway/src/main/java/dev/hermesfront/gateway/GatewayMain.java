package dev.hermesfront.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.upstream.TicketMinter;
import dev.hermesfront.gateway.upstream.WsRelayLauncher;
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
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Setting;
import dev.hermesfront.gateway.config.Setting.Command;
import dev.hermesfront.gateway.config.Settings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The {@code hermes-front} command: {@code demo}, {@code serve} and {@code config}. The composition root,
 * and the only place that reads {@code System.getenv()}. Every option of every command is a row of the
 * settings table ({@link Settings}): the commands are built from it, so a setting has a flag wherever it
 * has a key and a variable.
 */
public final class GatewayMain {
    private static final String VERSION = "hermes-front 0.1.0";

    private GatewayMain() {}

    public static void main(String[] args) {
        configureLogging();
        configureAsyncPool();
        int code = commandLine(System.getenv(), Path.of(System.getProperty("user.home"))).execute(args);
        System.exit(code);
    }

    /** Builds the command line: the root with its subcommands, each with the options the table gives it. */
    static picocli.CommandLine commandLine(Map<String, String> env, Path userHome) {
        CommandSpec root = CommandSpec.create().name("hermes-front").version(VERSION).mixinStandardHelpOptions(true);
        root.usageMessage().description("Reach a Hermes Agent from another machine: serves the TUI's /api/ws channel, bridges it to a "
                + "loopback agent, and fronts the API server and dashboard on the same port.");
        picocli.CommandLine cl = new picocli.CommandLine(root);
        cl.addSubcommand("demo", command(Command.DEMO, "Run the gateway with the built-in demo agent (replies \"Echo: <prompt>\"); "
                + "nothing else needed. Proxies the API server or dashboard only when one is configured.", env, userHome));
        cl.addSubcommand("serve", command(Command.SERVE, "Run the gateway in front of a real agent (one agent process per attached "
                + "client over stdio, or one connection per client to a loopback dashboard's /api/ws), the API server and, optionally, "
                + "the dashboard.", env, userHome));
        cl.addSubcommand("config", command(Command.CONFIG, "Print every effective setting of serve and where it came from (flag, env "
                + "var, file, .env, default); secrets redacted. Takes the same options as serve.", env, userHome));
        cl.setExecutionStrategy(parsed -> {
            if (!parsed.hasSubcommand()) {
                if (parsed.isVersionHelpRequested()) {
                    cl.printVersionHelp(System.out);
                } else {
                    cl.usage(System.out);
                }
                return 0;
            }
            return new picocli.CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ConfigException || ex instanceof BindException) {
                cmd.getErr().println("hermes-front: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    /** One subcommand: its options from the table, and what it runs. */
    private static picocli.CommandLine command(Command which, String description, Map<String, String> env, Path userHome) {
        Runner runner = new Runner(which, env, userHome);
        CommandSpec spec = CommandSpec.wrapWithoutInspection(runner).mixinStandardHelpOptions(true).version(VERSION);
        spec.usageMessage().description(description);
        for (Setting<?> s : Settings.forCommand(which)) {
            OptionSpec.Builder o = OptionSpec.builder(s.flag()).type(s.list() ? String[].class : String.class)
                    .description(s.doc() + (s.dflt() == null ? "" : " (default: " + s.dflt() + ")") + " [" + s.env() + "]");
            if (s.shape() == Setting.Shape.SWITCH) {
                o.arity("0..1").paramLabel("true|false").fallbackValue("true");
            } else {
                o.arity("1").paramLabel(s.label());
            }
            spec.addOption(o.build());
        }
        runner.spec = spec;
        return new picocli.CommandLine(spec);
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

    /** Runs one subcommand with the flags it was given. */
    private static final class Runner implements Callable<Integer> {
        private final Command which;
        private final Map<String, String> env;
        private final Path userHome;
        private CommandSpec spec;

        Runner(Command which, Map<String, String> env, Path userHome) {
            this.which = which;
            this.env = env;
            this.userHome = userHome;
        }

        /** Returns the flags given, by YAML key; lists keep their order. */
        Map<String, List<String>> flags() {
            ParseResult parsed = spec.commandLine().getParseResult();
            Map<String, List<String>> f = new LinkedHashMap<>();
            for (Setting<?> s : Settings.forCommand(which)) {
                OptionSpec o = parsed.matchedOption(s.flag());
                if (o == null) {
                    continue;
                }
                f.put(s.key(), s.list() ? List.of(parsed.matchedOptionValue(s.flag(), new String[0]))
                        : List.of(String.valueOf((Object) o.getValue())));
            }
            return f;
        }

        @Override
        public Integer call() throws Exception {
            return switch (which) {
                case CONFIG -> {
                    printConfig(System.out, load(false, true));
                    yield 0;
                }
                case DEMO -> run(load(false, false));
                case SERVE -> run(load(true, true));
                case DOCTOR -> throw new ConfigException("doctor is not available in this build");
            };
        }

        private ConfigLoader.Loaded load(boolean agentRequired, boolean autoApi) {
            return ConfigLoader.load(new ConfigLoader.Input(flags(), env, userHome, agentRequired, autoApi, GatewayMain::randomToken));
        }

        private int run(ConfigLoader.Loaded loaded) throws Exception {
            GatewayConfig config = loaded.gateway();
            long t0 = System.nanoTime();
            ServerIo io = ServerIo.create();
            AgentLauncher launcher = recorded(launcher(loaded, io), loaded.record());
            GatewayServer server = new GatewayServer(config, launcher, io);
            try {
                server.start();
            } catch (RuntimeException e) {
                launcher.close();
                io.close();
                if (e.getCause() instanceof BindException be) {
                    throw new ConfigException("--listen", ListenAddress.format(config.listen().address()),
                            "an address this machine can bind (" + be.getMessage() + ")");
                }
                throw e;
            }
            long startedMs = (System.nanoTime() - t0) / 1_000_000;
            printAttach(System.out, config, server.port(), loaded.generatedToken(), startedMs);
            for (String note : loaded.notes()) {
                System.err.println("hermes-front: note: " + note);
            }
            config.upstreams().api().ifPresent(api -> {
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

        private AgentLauncher launcher(ConfigLoader.Loaded loaded, ServerIo io) {
            if (which == Command.DEMO) {
                return new DemoLauncher(new ObjectMapper(), new FrameCodec());
            }
            AgentConfig a = loaded.agent().orElseThrow();
            if (a.ws().isPresent()) {
                GatewayConfig c = loaded.gateway();
                String token = a.wsToken().map(Secret::reveal).orElse(null);
                if (a.wsTicket()) {
                    return WsRelayLauncher.gated(io.ws(), a.ws().get(), new TicketMinter(a.ws().get(), token, c.upstreams().connect()),
                            c.upstreams().connect(), c.limits().maxMessageBytes());
                }
                return WsRelayLauncher.dashboard(io.ws(), a.ws().get(), token, c.upstreams().connect(), c.limits().maxMessageBytes());
            }
            AgentCommand cmd = AgentCommand.of(a.argv(), a.cwd().orElse(null), a.env())
                    .withGraces(a.stopGrace(), Duration.ofSeconds(2));
            return new ProcessLauncher(cmd);
        }

        /** Wraps the launcher in a recorder when {@code record} is set. */
        private static AgentLauncher recorded(AgentLauncher launcher, Optional<Path> recordDir) {
            if (recordDir.isEmpty()) {
                return launcher;
            }
            try {
                return RecordingLauncher.wrap(launcher, recordDir.get());
            } catch (java.io.IOException | RuntimeException e) {
                launcher.close();
                throw new ConfigException("--record", recordDir.get().toString(), "a directory hermes-front can write ("
                        + e.getMessage() + ")");
            }
        }
    }

    /**
     * Prints where the front listens and the line that attaches the TUI. A token the operator configured is
     * never printed (it would land in the journal); only a random one made for this run is, since nobody
     * else knows it.
     */
    static void printAttach(PrintStream out, GatewayConfig config, int port, boolean generated, long startedMs) {
        String host = ListenAddress.format(new InetSocketAddress(config.listen().address().getAddress(), port));
        out.println("hermes-front ready in " + startedMs + " ms on " + host
                + (generated ? " (random token; pass --token to choose one)" : ""));
        config.upstreams().api().ifPresent(a -> out.println("REST: /v1, /health, /api/jobs, /api/sessions -> " + a.uri()));
        config.upstreams().dashboard().ifPresent(d -> out.println("Dashboard: every other path -> " + d.uri()));
        String token = "YOUR_TOKEN";
        if (generated) {
            token = config.auth().credentials().all().stream().filter(c -> c instanceof Credential.Token)
                    .map(c -> ((Credential.Token) c).token().reveal()).findFirst().orElse(token);
        }
        out.println("Attach the Hermes TUI with:");
        out.println("  HERMES_TUI_GATEWAY_URL='ws://" + host + "/api/ws?token=" + token + "' hermes --tui");
        out.flush();
    }

    static String randomToken() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
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
}
