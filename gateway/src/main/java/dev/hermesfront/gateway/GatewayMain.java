package dev.hermesfront.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.bridge.process.AgentCommand;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.bridge.threads.Threads;
import dev.hermesfront.gateway.config.AgentConfig;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.ConfigLoader;
import dev.hermesfront.gateway.config.ConfigValue;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.Setting;
import dev.hermesfront.gateway.config.Setting.Command;
import dev.hermesfront.gateway.config.Settings;
import dev.hermesfront.gateway.ops.ConfigSource;
import dev.hermesfront.gateway.ops.Doctor;
import dev.hermesfront.gateway.ops.Logging;
import dev.hermesfront.gateway.ops.ServiceUnits;
import dev.hermesfront.gateway.ops.SignalReload;
import dev.hermesfront.gateway.pairing.PairingClient;
import dev.hermesfront.gateway.proxy.ApiKeyCheck;
import dev.hermesfront.gateway.record.RecordingLauncher;
import dev.hermesfront.gateway.upstream.TicketMinter;
import dev.hermesfront.gateway.upstream.WsRelayLauncher;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
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
import java.util.concurrent.ExecutorService;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The {@code hermes-front} command: {@code demo}, {@code serve}, {@code config}, {@code doctor} and
 * {@code service install|uninstall}. The composition root,
 * and the only place that reads {@code System.getenv()}. Every option of every command is a row of the
 * settings table ({@link Settings}): the commands are built from it, so a setting has a flag wherever it
 * has a key and a variable.
 */
public final class GatewayMain {
    private static final String VERSION = "hermes-front 0.1.0";
    /** The root's subcommands, in the order they are added. */
    private static final List<String> SUBCOMMANDS = List.of("demo", "serve", "config", "doctor", "pair", "devices", "service");

    private GatewayMain() {}

    public static void main(String[] args) {
        Logging logging = Logging.install(System.err);
        configureAsyncPool();
        int code = commandLine(System.getenv(), Path.of(System.getProperty("user.home")), logging, args).execute(args);
        logging.flush();
        System.exit(code);
    }

    /** Builds the command line without touching the process's logging (tests). */
    static picocli.CommandLine commandLine(Map<String, String> env, Path userHome) {
        return commandLine(env, userHome, null);
    }

    /** Builds the command line: the root with its subcommands, each with the options the table gives it. */
    static picocli.CommandLine commandLine(Map<String, String> env, Path userHome, Logging logging) {
        return commandLine(env, userHome, logging, new String[0]);
    }

    /**
     * Builds the command line for {@code args}: when the first argument names a subcommand, only that one is built (the
     * others could not match: they are siblings), which keeps the option tables of six commands off serve's start-up
     * (issue 22: picocli's classes are too old for the JVM's AOT cache, so each one built costs). Otherwise all of them.
     */
    static picocli.CommandLine commandLine(Map<String, String> env, Path userHome, Logging logging, String[] args) {
        String first = args.length > 0 ? args[0] : "";
        java.util.function.Predicate<String> wanted = SUBCOMMANDS.contains(first) ? first::equals : name -> true;
        CommandSpec root = CommandSpec.create().name("hermes-front").version(VERSION).mixinStandardHelpOptions(true);
        root.usageMessage().description("Reach a Hermes Agent from another machine: serves the TUI's /api/ws channel, bridges it to a "
                + "loopback agent, and fronts the API server and dashboard on the same port.");
        picocli.CommandLine cl = new picocli.CommandLine(root);
        if (wanted.test("demo")) {
            cl.addSubcommand("demo", command(Command.DEMO, "Run the gateway with the built-in demo agent (replies \"Echo: <prompt>\"); "
                    + "nothing else needed. Proxies the API server or dashboard only when one is configured.", env, userHome, logging));
        }
        if (wanted.test("serve")) {
            cl.addSubcommand("serve", command(Command.SERVE, "Run the gateway in front of a real agent (one agent process per attached "
                    + "client over stdio, or one connection per client to a loopback dashboard's /api/ws), the API server and, optionally, "
                    + "the dashboard. SIGHUP (or POST /front/reload) re-reads the configuration without dropping clients.", env, userHome,
                    logging));
        }
        if (wanted.test("config")) {
            cl.addSubcommand("config", command(Command.CONFIG, "Print every effective setting of serve and where it came from (flag, env "
                    + "var, file, .env, default); secrets redacted. Takes the same options as serve.", env, userHome, logging));
        }
        if (wanted.test("doctor")) {
            cl.addSubcommand("doctor", command(Command.DOCTOR, "Check a deployment end to end, one line per check with the fix when one "
                    + "fails: bind address, agent (started until gateway.ready), API server and key, dashboard and token, peers, .env, "
                    + "identity header, unbuffered SSE. Exit 0 only when everything needed works. Takes the same options as serve.", env,
                    userHome, logging));
        }
        if (wanted.test("pair")) {
            picocli.CommandLine pair = command(Command.PAIR, "Pair a phone or a laptop in one step: asks the running front (found from the "
                    + "same settings as serve) for a one-time code and prints it, the pairing URL and its QR code. Opening the URL "
                    + "redeems the code for a device token with the scope given here (at most the pairer's).", env, userHome, logging);
            pair.getCommandSpec().addOption(OptionSpec.builder("--scope").paramLabel("read|chat|admin").type(String.class)
                    .description("What the device may do (default: chat).").build());
            pair.getCommandSpec().addOption(OptionSpec.builder("--name").paramLabel("NAME").type(String.class)
                    .description("The device's name, e.g. phone (default: the name given when redeeming, else device).").build());
            pair.getCommandSpec().addOption(OptionSpec.builder("--ttl").paramLabel("DURATION").type(String.class)
                    .description("How long the code is valid (default: 5m; at most 1h).").build());
            cl.addSubcommand("pair", pair);
        }
        if (wanted.test("devices")) {
            picocli.CommandLine devices = command(Command.DEVICES, "List the paired devices of the running front, or revoke one: "
                    + "devices revoke NAME closes its connections (4403), stops its agents and refuses its token from then on.", env,
                    userHome, logging);
            devices.getCommandSpec().addPositional(picocli.CommandLine.Model.PositionalParamSpec.builder().index("0..1").arity("0..2")
                    .paramLabel("revoke NAME").type(String[].class).description("revoke NAME: revoke that device").build());
            cl.addSubcommand("devices", devices);
        }
        if (wanted.test("service")) {
            cl.addSubcommand("service", serviceCommand(env, userHome));
        }
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
    private static picocli.CommandLine command(Command which, String description, Map<String, String> env, Path userHome,
                                               Logging logging) {
        Runner runner = new Runner(which, env, userHome, logging);
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
     * HttpClient (the REST proxy's and the peers' client) takes such steps, so each exchange could start one.
     * A parallelism of 2 makes them run on the pool. An explicit setting is left alone.
     */
    private static void configureAsyncPool() {
        String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
        if (System.getProperty(key) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(key, "2");
        }
    }

    /**
     * {@code service install [--user] [--dry-run]} and {@code service uninstall}: the systemd unit or launchd
     * plist ({@link ServiceUnits}), for the config file named by {@code --config} or {@code HERMES_FRONT_CONFIG}.
     */
    private static picocli.CommandLine serviceCommand(Map<String, String> env, Path userHome) {
        CommandSpec service = CommandSpec.create().name("service").mixinStandardHelpOptions(true).version(VERSION);
        service.usageMessage().description("Install or remove a systemd unit (Linux) or launchd plist (macOS) that runs this "
                + "distribution's bin/hermes-front serve with your config file, restarts it on failure, reloads it on SIGHUP, and keeps "
                + "secrets in a 0600 environment file.");
        picocli.CommandLine cl = new picocli.CommandLine(service);
        for (String action : List.of("install", "uninstall")) {
            CommandSpec[] self = new CommandSpec[1];
            Callable<Integer> run = () -> runService(action, self[0].commandLine().getParseResult(), env, userHome);
            CommandSpec sub = CommandSpec.wrapWithoutInspection(run).name(action).mixinStandardHelpOptions(true).version(VERSION);
            self[0] = sub;
            sub.usageMessage().description(action.equals("install") ? "Write the unit and its environment file, and print how to start it."
                    : "Remove the unit and its environment file, and print how to stop it first.");
            sub.addOption(OptionSpec.builder("--user").arity("0").description("A per-user service (systemctl --user, a LaunchAgent).").build());
            sub.addOption(OptionSpec.builder("--dry-run").arity("0").description("Print what would be written (secrets redacted); write nothing.")
                    .build());
            sub.addOption(OptionSpec.builder("--config").paramLabel("FILE").type(String.class)
                    .description("The YAML config file the service runs with (default: $HERMES_FRONT_CONFIG).").build());
            sub.addOption(OptionSpec.builder("--unit-dir").paramLabel("DIR").type(String.class)
                    .description("Write the unit here instead of the system's directory.").build());
            sub.addOption(OptionSpec.builder("--env-file").paramLabel("FILE").type(String.class)
                    .description("The 0600 environment file (default: ~/.config/hermes-front/hermes-front.env for --user, else "
                            + "/etc/hermes-front/hermes-front.env).").build());
            sub.addOption(OptionSpec.builder("--launcher").paramLabel("FILE").type(String.class)
                    .description("The bin/hermes-front to run (default: this distribution's).").build());
            sub.addOption(OptionSpec.builder("--platform").paramLabel("systemd|launchd").type(String.class)
                    .description("Write for this platform instead of this machine's.").build());
            cl.addSubcommand(action, new picocli.CommandLine(sub));
        }
        return cl;
    }

    private static int runService(String action, ParseResult p, Map<String, String> env, Path userHome) {
        try {
            boolean user = p.hasMatchedOption("--user");
            boolean dry = p.hasMatchedOption("--dry-run");
            String platformName = p.matchedOptionValue("--platform", null);
            ServiceUnits.Platform platform = platformName == null ? ServiceUnits.detect(System.getProperty("os.name"))
                    : switch (platformName.toLowerCase(java.util.Locale.ROOT)) {
                        case "systemd", "linux" -> ServiceUnits.Platform.SYSTEMD;
                        case "launchd", "macos" -> ServiceUnits.Platform.LAUNCHD;
                        default -> throw new ConfigException("--platform", platformName, "systemd or launchd");
                    };
            String configName = p.matchedOptionValue("--config", env.get("HERMES_FRONT_CONFIG"));
            Path config = null;
            if (action.equals("install")) {
                if (configName == null || configName.isBlank()) {
                    throw new ConfigException("service install: name the config file the service should run with: --config FILE "
                            + "(or set HERMES_FRONT_CONFIG)");
                }
                config = Path.of(configName).toAbsolutePath().normalize();
                if (!java.nio.file.Files.isRegularFile(config)) {
                    throw new ConfigException("--config", configName, "an existing YAML file");
                }
            }
            String launcherName = p.matchedOptionValue("--launcher", null);
            Path launcher = launcherName != null ? Path.of(launcherName).toAbsolutePath().normalize() : installedLauncher();
            ServiceUnits.Plan plan = ServiceUnits.defaults(platform, user, userHome, launcher, config, System.getProperty("user.name"));
            String unitDir = p.matchedOptionValue("--unit-dir", null);
            String envFile = p.matchedOptionValue("--env-file", null);
            plan = new ServiceUnits.Plan(plan.platform(), user, launcher, config, unitDir == null ? plan.unitDir() : Path.of(unitDir),
                    envFile == null ? plan.envFile() : Path.of(envFile), plan.runAs(), plan.logDir());
            if (action.equals("install")) {
                ServiceUnits.install(plan, ServiceUnits.environment(env, config), dry, System.out);
            } else {
                ServiceUnits.uninstall(plan, dry, System.out);
            }
            return 0;
        } catch (ConfigException | java.io.IOException e) {
            System.err.println("hermes-front: " + e.getMessage());
            return 2;
        }
    }

    /**
     * Returns the launcher of the distribution this jar belongs to: {@code DIST/bin/hermes-front} for
     * {@code DIST/lib/hermes-front.jar}, the checkout's {@code ./hermes-front} for {@code gateway/target/hermes-front.jar}.
     */
    static Path installedLauncher() {
        try {
            Path jar = Path.of(GatewayMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            Path dir = jar.getParent();
            for (Path candidate : new Path[] {dir.resolveSibling("bin").resolve("hermes-front"), dir.getParent().getParent().resolve("hermes-front")}) {
                if (java.nio.file.Files.isExecutable(candidate)) {
                    return candidate.normalize();
                }
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall through
        }
        throw new ConfigException("service install: cannot tell where this distribution's bin/hermes-front is; pass --launcher FILE");
    }

    /** Runs one subcommand with the flags it was given. */
    private static final class Runner implements Callable<Integer> {
        private final Command which;
        private final Map<String, String> env;
        private final Path userHome;
        private final Logging logging;
        /** The command's one ObjectMapper, passed to everything that reads or writes JSON. */
        private final ObjectMapper json = AgentJson.newMapper();
        private CommandSpec spec;
        /** The random token of a loopback run without one, kept so that a reload does not revoke it. */
        private String random;

        Runner(Command which, Map<String, String> env, Path userHome, Logging logging) {
            this.which = which;
            this.env = env;
            this.userHome = userHome;
            this.logging = logging;
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
                case PAIR -> {
                    ParseResult p = spec.commandLine().getParseResult();
                    yield new PairingClient(load(false, false).gateway(), pairHttp(), System.out, json).pair(p.matchedOptionValue("--scope", null),
                            p.matchedOptionValue("--name", null), p.matchedOptionValue("--ttl", null));
                }
                case DEVICES -> {
                    List<String> args = spec.commandLine().getParseResult().matchedPositionals().isEmpty() ? List.of()
                            : List.of(spec.commandLine().getParseResult().matchedPositionals().get(0).<String[]>getValue());
                    PairingClient client = new PairingClient(load(false, false).gateway(), pairHttp(), System.out, json);
                    if (args.isEmpty()) {
                        yield client.list();
                    }
                    if (args.size() != 2 || !args.get(0).equals("revoke")) {
                        throw new ConfigException("devices: expected nothing (list) or revoke NAME");
                    }
                    yield client.revoke(args.get(1));
                }
                case SERVE -> run(load(true, true));
                case DOCTOR -> {
                    ConfigLoader.Loaded loaded = load(true, true);
                    ExecutorService doctorHttp = Pools.commandThreads("doctor-http", 2);
                    try {
                        yield new Doctor(loaded, () -> probeLauncher(loaded), Pools.http(Duration.ofSeconds(5), doctorHttp).build(),
                                this::doctorFront, System.out).run();
                    } finally {
                        doctorHttp.shutdownNow();
                    }
                }
            };
        }

        /** The pair and devices commands' HTTP client: Pools.http on one named command thread (daemon, as before). */
        private static java.net.http.HttpClient.Builder pairHttp() {
            return Pools.http(Duration.ofSeconds(5), Pools.commandThreads("pair-http", 1));
        }

        private ConfigLoader.Loaded load(boolean agentRequired, boolean autoApi) {
            ConfigLoader.Loaded loaded = ConfigLoader.load(new ConfigLoader.Input(flags(), env, userHome, agentRequired, autoApi, () -> {
                if (random == null) {
                    random = randomToken();
                }
                return random;
            }));
            if (logging != null) {
                logging.apply(loaded.logging());
            }
            return loaded;
        }

        /** Re-reads the configuration for a reload; the agent command and recording need a restart, so they are compared. */
        private ConfigSource source(ConfigLoader.Loaded first) {
            return () -> {
                ConfigLoader.Loaded again = load(which == Command.SERVE, which == Command.SERVE);
                refuseLostCredentials(first, again);
                List<String> restart = new java.util.ArrayList<>();
                if (!String.valueOf(first.agent().map(GatewayMain::describe).orElse(""))
                        .equals(again.agent().map(GatewayMain::describe).orElse(""))) {
                    restart.add("agent.*");
                }
                if (!first.record().equals(again.record())) {
                    restart.add("record");
                }
                return new ConfigSource.Fresh(again.gateway(), restart);
            };
        }

        private int run(ConfigLoader.Loaded loaded) throws Exception {
            GatewayConfig config = loaded.gateway();
            long t0 = System.nanoTime();
            Pools pools = Pools.start(config.pools());
            AgentLauncher agents = launcher(loaded, pools);
            AgentLauncher launcher = recorded(agents, loaded.record());
            GatewayServer server = GatewayServer.builder(config, launcher).source(source(loaded)).pools(pools).json(json).build();
            try {
                server.start();
            } catch (RuntimeException e) {
                launcher.close();
                pools.close();
                if (e.getCause() instanceof BindException be) {
                    throw new ConfigException("--listen", ListenAddress.format(config.listen().address()),
                            "an address this machine can bind (" + be.getMessage() + ")");
                }
                throw e;
            }
            if (agents instanceof ProcessLauncher p) {
                p.prepare(); // the stdout poller's native calls, bound once the listener accepts (issue 22)
            }
            long startedMs = (System.nanoTime() - t0) / 1_000_000;
            printAttach(System.out, config, server.port(), loaded.generatedToken(), startedMs);
            for (String note : loaded.notes()) {
                System.err.println("hermes-front: note: " + note);
            }
            config.upstreams().api().ifPresent(api -> {
                String source = loaded.values().stream().filter(v -> v.key().equals("api.key")).map(ConfigValue::source)
                        .findFirst().orElse("configuration");
                ApiKeyCheck.run(pools.http(api.connectTimeout()).build(), api, source)
                        .report(api.uri().toString(), System.out, System.err);
            });
            if (logging != null) {
                server.metrics().counted("hermes.front.log.dropped", "Log records dropped because the log queue was full", logging::dropped);
            }
            SignalReload hup = SignalReload.install(server::reload);
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(Threads.daemon("shutdown", () -> {
                hup.close();
                server.close();
                if (logging != null) {
                    logging.flush();
                }
                stop.countDown();
            }));
            stop.await();
            return 0;
        }

        private AgentLauncher launcher(ConfigLoader.Loaded loaded, Pools io) {
            if (which == Command.DEMO) {
                return new DemoLauncher(json, new FrameCodec());
            }
            AgentConfig a = loaded.agent().orElseThrow();
            if (a.ws().isPresent()) {
                GatewayConfig c = loaded.gateway();
                String token = a.wsToken().map(Secret::reveal).orElse(null);
                if (a.wsTicket()) {
                    return WsRelayLauncher.gated(io.ws(), a.ws().get(), new TicketMinter(a.ws().get(), token, c.upstreams().connect(),
                            io.http(c.upstreams().connect()).build(), json),
                            c.upstreams().connect(), c.limits().maxMessageBytes());
                }
                return WsRelayLauncher.dashboard(io.ws(), a.ws().get(), token, c.upstreams().connect(), c.limits().maxMessageBytes());
            }
            AgentCommand cmd = AgentCommand.of(a.argv(), a.cwd().orElse(null), a.env())
                    .withGraces(a.stopGrace(), Duration.ofSeconds(2)).withExitDrain(a.exitDrain()).withMaxLineBytes(a.maxLineBytes());
            return new ProcessLauncher(cmd);
        }

        /** Starts the front of doctor's SSE check: this server, in front of the demo agent. */
        private Doctor.Front doctorFront(GatewayConfig config) throws Exception {
            GatewayServer s = GatewayServer.builder(config, new DemoLauncher(json, new FrameCodec())).json(json).build().start();
            return new Doctor.Front() {
                @Override
                public int port() {
                    return s.port();
                }

                @Override
                public void close() {
                    s.close();
                }
            };
        }

        /** Returns the launcher serve would use, on pools of its own that close with it (for doctor's check). */
        private AgentLauncher probeLauncher(ConfigLoader.Loaded loaded) {
            Pools pools;
            try {
                pools = Pools.start(loaded.gateway().pools());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            AgentLauncher l = launcher(loaded, pools);
            return new AgentLauncher() {
                @Override
                public dev.hermesfront.bridge.AgentLink open(dev.hermesfront.bridge.ClientSink sink) throws java.io.IOException {
                    return l.open(sink);
                }

                @Override
                public String kind() {
                    return l.kind();
                }

                @Override
                public void close() {
                    l.close();
                    pools.close();
                }
            };
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
        if (config.remote().stateDir().isPresent()) {
            out.println("Pair a phone or a laptop in one step: hermes-front pair --name phone (same settings as this serve)");
        }
        out.println("Attach the Hermes TUI with:");
        out.println("  HERMES_TUI_GATEWAY_URL='" + (config.remote().tls() ? "wss://" : "ws://") + host + "/api/ws?token=" + token
                + "' hermes --tui");
        out.flush();
    }

    /**
     * Refuses a reload that leaves no configured credential (issue 21, F10): on loopback the loader would make a
     * random token nobody was shown, so nobody could reach the front, nor reload it again. A front that started with
     * the random token keeps it (the same one) across reloads.
     */
    static void refuseLostCredentials(ConfigLoader.Loaded first, ConfigLoader.Loaded again) {
        if (again.generatedToken() && !first.generatedToken()) {
            throw new ConfigException("the new configuration has no credential: keep at least one (a reload never falls back to a "
                    + "random token, which nobody would know)");
        }
    }

    /** Describes an agent config for comparison across reloads (the dashboard token included, never printed). */
    private static String describe(AgentConfig a) {
        return a.argv() + "|" + a.cwd() + "|" + new java.util.TreeMap<>(a.env()) + "|" + a.stopGrace() + "|" + a.ws() + "|"
                + a.wsToken().map(Secret::reveal).orElse("");
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
