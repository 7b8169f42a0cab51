package dev.hermesfront.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.GatewayConfig;
import dev.hermesfront.gateway.PeerSettings;
import dev.hermesfront.gateway.SecuritySettings;
import dev.hermesfront.gateway.TuiSettings;
import dev.hermesfront.gateway.policy.Scope;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Resolves every setting from its sources and records where each value came from.
 *
 * <p>Precedence, highest first (docs/configuration.md): command-line flag, environment variable
 * {@code HERMES_FRONT_*}, the YAML file ({@code --config} / {@code HERMES_FRONT_CONFIG}), then for the
 * agent's own keys only ({@code api.upstream} port, {@code api.key}, {@code dashboard.token}) the
 * variables {@code API_SERVER_PORT}, {@code API_SERVER_KEY}, {@code HERMES_DASHBOARD_SESSION_TOKEN} from
 * the environment and then from {@code $HERMES_HOME/.env}, and finally the defaults. Pure: the
 * environment, flags and home directory are passed in, so tests use {@code Map.of(...)}.
 */
public final class ConfigLoader {
    /** Environment variable naming the YAML file when {@code --config} is not given. */
    public static final String ENV_CONFIG = "HERMES_FRONT_CONFIG";
    /** Value of {@code api.upstream} / {@code dashboard.upstream} that turns a proxy off. */
    public static final String OFF = "off";

    private static final Map<String, Set<String>> YAML_KEYS = Map.of(
            "", Set.of("listen", "token", "token_env", "token_file", "credentials", "basic_users", "allowed_hosts",
                    "allowed_origins", "max_body_bytes", "max_message_bytes", "hermes_home", "timeouts", "api", "dashboard",
                    "agent", "tui", "audit_log", "audit_log_max_bytes", "audit_log_keep", "limits", "peers",
                    "peer_probe_interval", "peer_timeout"),
            "limits", Set.of("auth_failures", "auth_window", "lockout", "rest_per_second", "rest_burst", "ws_per_second", "ws_burst"),
            "tui", Set.of("park_window", "park_buffer_frames", "park_buffer_bytes", "max_agents", "agent_ready_timeout",
                    "ping_interval", "ping_loopback", "client_stall"),
            "timeouts", Set.of("connect", "response", "idle"),
            "api", Set.of("upstream", "key", "key_env", "key_file"),
            "dashboard", Set.of("upstream", "token", "token_env", "token_file"),
            "agent", Set.of("cmd", "ws", "cwd", "env", "stop_grace"),
            "credentials[]", Set.of("name", "token", "token_env", "token_file", "basic", "scope"),
            "peers[]", Set.of("name", "url", "token", "token_env", "token_file", "basic", "timeout"),
            "basic", Set.of("user", "password", "password_env", "password_file"));

    /**
     * What to resolve.
     *
     * @param flags         values given on the command line, by YAML key (e.g. {@code api.upstream}); lists keep order
     * @param env           the process environment
     * @param userHome      the user's home directory, for {@code ~} and the default {@code HERMES_HOME}
     * @param agentRequired true for {@code serve}: {@code agent.cmd} must be set
     * @param autoApi       true for {@code serve}: proxy the API server when a key is found even if no upstream is named
     * @param randomToken   makes a token when none is configured on a loopback bind
     */
    public record Input(Map<String, List<String>> flags, Map<String, String> env, Path userHome, boolean agentRequired,
                        boolean autoApi, Supplier<String> randomToken) {
        public Input {
            flags = Map.copyOf(flags);
            env = Map.copyOf(env);
        }
    }

    /**
     * The result: the gateway settings, the agent command ({@code serve} only), every effective value
     * with its source, and notes worth telling the operator (e.g. two sources disagreeing).
     */
    public record Loaded(GatewayConfig gateway, Optional<AgentConfig> agent, List<ConfigValue> values, List<String> notes,
                         boolean generatedToken) {}

    private record Raw(String value, String source) {}

    private final Input in;
    private final Path file;
    private final JsonNode yaml;
    private final List<ConfigValue> values = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private Path envFile;
    private Map<String, String> dotEnv = Map.of();

    private ConfigLoader(Input in) {
        this.in = in;
        Raw cfg = first("config", "--config", ENV_CONFIG, false);
        this.file = cfg == null ? null : expand(cfg.value());
        this.yaml = file == null ? null : readYaml(file);
        values.add(new ConfigValue("config", file == null ? "(none)" : file.toString(), cfg == null ? "default" : cfg.source()));
    }

    /** Resolves everything or throws {@link ConfigException} naming the first bad key and its expected form. */
    public static Loaded load(Input in) {
        return new ConfigLoader(in).resolve();
    }

    private Loaded resolve() {
        Raw home = first("hermes_home", "--hermes-home", "HERMES_FRONT_HERMES_HOME", true);
        String homeSource;
        Path hermesHome;
        if (home != null) {
            hermesHome = expand(home.value());
            homeSource = home.source();
        } else if (nonEmpty(in.env().get("HERMES_HOME"))) {
            hermesHome = expand(in.env().get("HERMES_HOME"));
            homeSource = "env HERMES_HOME";
        } else {
            hermesHome = in.userHome().resolve(".hermes");
            homeSource = "default";
        }
        values.add(new ConfigValue("hermes_home", hermesHome.toString(), homeSource));
        envFile = hermesHome.resolve(".env");
        Optional<Map<String, String>> read = DotEnv.read(envFile);
        dotEnv = read.orElse(Map.of());
        values.add(new ConfigValue("(.env)", envFile + (read.isPresent() ? "" : " (not found)"), "$HERMES_HOME/.env"));
        checkMisplacedDotEnv(hermesHome);

        Raw listenRaw = first("listen", "--listen", "HERMES_FRONT_LISTEN", true);
        String listenText = listenRaw == null ? ListenAddress.DEFAULT : listenRaw.value();
        InetSocketAddress listen = ListenAddress.parse(keyName(listenRaw, "listen"), listenText);
        values.add(new ConfigValue("listen", listenText, sourceOf(listenRaw)));

        boolean generated = false;
        List<Credential> creds = new ArrayList<>();
        Raw token = first("token", "--token", "HERMES_FRONT_TOKEN", true);
        if (token == null) {
            Secret s = yamlSecret(yaml, "token", "token");
            if (s != null) {
                token = new Raw(s.reveal(), fileSource("token"));
            }
        }
        if (token != null) {
            creds.add(new Credential.Token("token", Secret.of(token.value()), Credential.DEFAULT_SCOPE));
            values.add(new ConfigValue("token", redacted(token.value()), token.source()));
        }
        creds.addAll(yamlCredentials());
        List<Raw> basics = list("basic_users", "--basic-user", "HERMES_FRONT_BASIC_USERS");
        for (Raw b : basics) {
            int colon = b.value().indexOf(':');
            if (colon <= 0 || colon == b.value().length() - 1) {
                throw new ConfigException(keyName(b, "basic_users"), b.value().replaceAll(":.*", ":…"), "NAME:PASSWORD");
            }
            String user = b.value().substring(0, colon);
            creds.add(new Credential.Basic(user, user, Secret.of(b.value().substring(colon + 1)), Credential.DEFAULT_SCOPE));
            values.add(new ConfigValue("basic_users", user + ":<redacted>", b.source()));
        }
        if (creds.isEmpty()) {
            if (!ListenAddress.isLoopback(listen)) {
                throw new ConfigException("refusing to listen on " + listenText
                        + " without a credential: anyone who reaches that address could drive the agent. "
                        + "Pass --token T (or set HERMES_FRONT_TOKEN), --basic-user NAME:PASSWORD, or listen on 127.0.0.1.");
            }
            creds.add(new Credential.Token("token", Secret.of(in.randomToken().get()), Credential.DEFAULT_SCOPE));
            values.add(new ConfigValue("token", "<random>", "default (loopback only)"));
            generated = true;
        }
        Credentials credentials = Credentials.of(creds);

        Set<String> hosts = new LinkedHashSet<>();
        for (Raw h : list("allowed_hosts", "--allowed-host", "HERMES_FRONT_ALLOWED_HOSTS")) {
            String v = h.value().strip().toLowerCase(Locale.ROOT);
            if (v.isEmpty() || !v.matches("[a-z0-9.\\-:\\[\\]_]+")) {
                throw new ConfigException(keyName(h, "allowed_hosts"), h.value(), "a host name such as box.tailnet.ts.net (no scheme, no port)");
            }
            hosts.add(v);
            values.add(new ConfigValue("allowed_hosts", v, h.source()));
        }
        Set<String> origins = new LinkedHashSet<>();
        for (Raw o : list("allowed_origins", "--allowed-origin", "HERMES_FRONT_ALLOWED_ORIGINS")) {
            String v = o.value().strip();
            if (!(v.equals("null") || v.equals("file://") || v.matches("[a-zA-Z][a-zA-Z0-9+.\\-]*://[^/\\s]+"))) {
                throw new ConfigException(keyName(o, "allowed_origins"), v, "an origin such as https://app.example:8443, or null, or file://");
            }
            origins.add(v);
            values.add(new ConfigValue("allowed_origins", v, o.source()));
        }
        long maxBody = longValue("max_body_bytes", "--max-body-bytes", "HERMES_FRONT_MAX_BODY_BYTES",
                GatewayConfig.DEFAULT_MAX_BODY_BYTES, 0);
        long maxMessage = longValue("max_message_bytes", "--max-message-bytes", "HERMES_FRONT_MAX_MESSAGE_BYTES",
                GatewayConfig.DEFAULT_MAX_MESSAGE_BYTES, 1024);
        if (maxMessage > Integer.MAX_VALUE) {
            throw new ConfigException("max_message_bytes", Long.toString(maxMessage), "a number of bytes up to " + Integer.MAX_VALUE);
        }

        Duration connect = duration("timeouts.connect", "--connect-timeout", "HERMES_FRONT_CONNECT_TIMEOUT", UpstreamConfig.DEFAULT_CONNECT);
        Duration response = duration("timeouts.response", "--response-timeout", "HERMES_FRONT_RESPONSE_TIMEOUT", UpstreamConfig.DEFAULT_RESPONSE);
        Duration idle = duration("timeouts.idle", "--idle-timeout", "HERMES_FRONT_IDLE_TIMEOUT", UpstreamConfig.DEFAULT_IDLE);
        if (connect.isZero()) {
            throw new ConfigException("timeouts.connect", "PT0S", "a duration greater than zero");
        }

        UpstreamConfig api = api(connect, response, idle);
        UpstreamConfig dashboard = dashboard(connect, response, idle);

        GatewayConfig gateway = new GatewayConfig(listen, credentials, (int) maxMessage, 4L << 20, 64L << 20, hosts, origins,
                maxBody, Optional.ofNullable(api), Optional.ofNullable(dashboard), tui(), security(), peers());
        Optional<AgentConfig> agent = agent();
        return new Loaded(gateway, agent, List.copyOf(values), List.copyOf(notes), generated);
    }

    private UpstreamConfig api(Duration connect, Duration response, Duration idle) {
        Raw up = first("api.upstream", "--api-upstream", "HERMES_FRONT_API_UPSTREAM", true);
        if (up != null && up.value().strip().equalsIgnoreCase(OFF)) {
            values.add(new ConfigValue("api.upstream", OFF, up.source()));
            return null;
        }
        Raw key = first("api.key", "--api-key", "HERMES_FRONT_API_KEY", true);
        if (key == null) {
            Secret s = yamlSecret(yaml == null ? null : yaml.get("api"), "key", "api.key");
            if (s != null) {
                key = new Raw(s.reveal(), fileSource("api.key"));
            }
        }
        boolean explicit = up != null || key != null;
        if (!explicit && !in.autoApi()) {
            values.add(new ConfigValue("api.upstream", OFF, "default (demo: only when configured)"));
            return null;
        }
        if (key == null) {
            key = agentVariable("API_SERVER_KEY");
        }
        URI uri;
        String upSource;
        if (up != null) {
            uri = UpstreamConfig.parseUri(keyName(up, "api.upstream"), up.value());
            upSource = up.source();
        } else {
            Raw port = agentVariable("API_SERVER_PORT");
            int p = 8642;
            if (port != null) {
                try {
                    p = Integer.parseInt(port.value().strip());
                } catch (NumberFormatException e) {
                    p = -1;
                }
                if (p < 1 || p > 65535) {
                    // Hermes itself falls back to 8642 on a bad port (rest-surface.md §5.1); say so instead of guessing silently.
                    notes.add("API_SERVER_PORT \"" + port.value() + "\" from " + port.source()
                            + " is not a port; Hermes falls back to 8642, so does the front");
                    p = 8642;
                }
            }
            uri = URI.create("http://127.0.0.1:" + p);
            upSource = port == null ? "default" : "default, port from " + port.source();
        }
        if (key == null) {
            if (up != null) {
                throw new ConfigException("api.key: no key for the API server at " + uri + ": pass --api-key KEY, set "
                        + "HERMES_FRONT_API_KEY or API_SERVER_KEY, or put API_SERVER_KEY in " + envFile
                        + " (or set api.upstream to off)");
            }
            values.add(new ConfigValue("api.upstream", OFF, "default: no API_SERVER_KEY in the environment or " + envFile));
            notes.add("REST proxy off: no API_SERVER_KEY in the environment or " + envFile
                    + "; pass --api-key KEY to proxy the API server at " + uri);
            return null;
        }
        values.add(new ConfigValue("api.upstream", uri.toString(), upSource));
        values.add(new ConfigValue("api.key", redacted(key.value()), key.source()));
        String k = key.value().strip();
        if (k.length() < 16) {
            notes.add("api.key from " + key.source() + " is shorter than 16 characters: the API server refuses to start with such a key");
        }
        addTimeoutValues(connect, response, idle);
        return new UpstreamConfig(uri, Optional.of(Secret.of(k)), connect, response, idle);
    }

    private boolean timeoutsShown;

    private void addTimeoutValues(Duration connect, Duration response, Duration idle) {
        if (timeoutsShown) {
            return;
        }
        timeoutsShown = true;
        values.add(new ConfigValue("timeouts.connect", connect.toString(), sourceOf(first("timeouts.connect", "--connect-timeout", "HERMES_FRONT_CONNECT_TIMEOUT", true))));
        values.add(new ConfigValue("timeouts.response", response.toString(), sourceOf(first("timeouts.response", "--response-timeout", "HERMES_FRONT_RESPONSE_TIMEOUT", true))));
        values.add(new ConfigValue("timeouts.idle", idle.toString(), sourceOf(first("timeouts.idle", "--idle-timeout", "HERMES_FRONT_IDLE_TIMEOUT", true))));
    }

    private UpstreamConfig dashboard(Duration connect, Duration response, Duration idle) {
        Raw up = first("dashboard.upstream", "--dashboard-upstream", "HERMES_FRONT_DASHBOARD_UPSTREAM", true);
        if (up == null || up.value().strip().equalsIgnoreCase(OFF)) {
            values.add(new ConfigValue("dashboard.upstream", OFF, up == null ? "default" : up.source()));
            return null;
        }
        URI uri = UpstreamConfig.parseUri(keyName(up, "dashboard.upstream"), up.value());
        values.add(new ConfigValue("dashboard.upstream", uri.toString(), up.source()));
        Raw tok = first("dashboard.token", "--dashboard-token", "HERMES_FRONT_DASHBOARD_TOKEN", true);
        if (tok == null) {
            Secret s = yamlSecret(yaml == null ? null : yaml.get("dashboard"), "token", "dashboard.token");
            if (s != null) {
                tok = new Raw(s.reveal(), fileSource("dashboard.token"));
            }
        }
        if (tok == null) {
            tok = agentVariable("HERMES_DASHBOARD_SESSION_TOKEN");
        }
        values.add(new ConfigValue("dashboard.token", tok == null ? "(read from the dashboard's page)" : redacted(tok.value()),
                tok == null ? "default" : tok.source()));
        addTimeoutValues(connect, response, idle);
        return new UpstreamConfig(uri, Optional.ofNullable(tok == null ? null : Secret.of(tok.value().strip())), connect, response, idle);
    }

    private TuiSettings tui() {
        TuiSettings d = TuiSettings.defaults();
        Duration window = durationValue("tui.park_window", "--park-window", "HERMES_FRONT_PARK_WINDOW", d.parking().window());
        long frames = longValue("tui.park_buffer_frames", "--park-buffer-frames", "HERMES_FRONT_PARK_BUFFER_FRAMES",
                d.parking().maxFrames(), 0);
        long bytes = longValue("tui.park_buffer_bytes", "--park-buffer-bytes", "HERMES_FRONT_PARK_BUFFER_BYTES", d.parking().maxBytes(), 0);
        long maxAgents = longValue("tui.max_agents", "--max-agents", "HERMES_FRONT_MAX_AGENTS", d.maxAgents(), 1);
        long spawnBurst = longValue("tui.spawn_burst", "--spawn-burst", "HERMES_FRONT_SPAWN_BURST", d.spawnBurst(), 1);
        long spawnRate = longValue("tui.spawn_per_second", "--spawn-per-second", "HERMES_FRONT_SPAWN_PER_SECOND",
                (long) d.spawnPerSecond(), 1);
        Duration ready = durationValue("tui.agent_ready_timeout", "--agent-ready-timeout", "HERMES_FRONT_AGENT_READY_TIMEOUT",
                d.readyTimeout());
        Duration ping = durationValue("tui.ping_interval", "--ping-interval", "HERMES_FRONT_PING_INTERVAL", d.pingInterval());
        Duration stall = durationValue("tui.client_stall", "--client-stall", "HERMES_FRONT_CLIENT_STALL", d.clientStall());
        Raw loop = first("tui.ping_loopback", "--ping-loopback", "HERMES_FRONT_PING_LOOPBACK", true);
        boolean pingLoopback = false;
        if (loop != null) {
            String v = loop.value().strip().toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new ConfigException(keyName(loop, "tui.ping_loopback"), loop.value(), "true or false");
            }
            pingLoopback = v.equals("true");
        }
        values.add(new ConfigValue("tui.ping_loopback", Boolean.toString(pingLoopback), sourceOf(loop)));
        if (frames > Integer.MAX_VALUE || maxAgents > Integer.MAX_VALUE || spawnBurst > Integer.MAX_VALUE) {
            throw new ConfigException("tui.park_buffer_frames / tui.max_agents / tui.spawn_burst: too large");
        }
        return new TuiSettings(new ParkingPolicy(window, (int) frames, bytes), (int) maxAgents, (int) spawnBurst, spawnRate,
                ready, ping, pingLoopback, stall);
    }

    private SecuritySettings security() {
        SecuritySettings d = SecuritySettings.defaults();
        Raw audit = first("audit_log", "--audit-log", "HERMES_FRONT_AUDIT_LOG", true);
        Optional<Path> auditPath = Optional.empty();
        if (audit != null && !audit.value().isBlank()) {
            auditPath = Optional.of(expand(audit.value()));
        }
        values.add(new ConfigValue("audit_log", auditPath.map(Path::toString).orElse("(off)"), sourceOf(audit)));
        long maxBytes = longValue("audit_log_max_bytes", "--audit-log-max-bytes", "HERMES_FRONT_AUDIT_LOG_MAX_BYTES", d.auditMaxBytes(), 1024);
        long keep = longValue("audit_log_keep", "--audit-log-keep", "HERMES_FRONT_AUDIT_LOG_KEEP", d.auditKeep(), 0);
        long failures = longValue("limits.auth_failures", "--auth-failures", "HERMES_FRONT_AUTH_FAILURES", d.authFailures(), 1);
        Duration window = durationValue("limits.auth_window", "--auth-window", "HERMES_FRONT_AUTH_WINDOW", d.authWindow());
        Duration lockout = durationValue("limits.lockout", "--lockout", "HERMES_FRONT_LOCKOUT", d.lockout());
        long restRate = longValue("limits.rest_per_second", "--rest-per-second", "HERMES_FRONT_REST_PER_SECOND", (long) d.restPerSecond(), 1);
        long restBurst = longValue("limits.rest_burst", "--rest-burst", "HERMES_FRONT_REST_BURST", d.restBurst(), 1);
        long wsRate = longValue("limits.ws_per_second", "--ws-per-second", "HERMES_FRONT_WS_PER_SECOND", (long) d.wsPerSecond(), 1);
        long wsBurst = longValue("limits.ws_burst", "--ws-burst", "HERMES_FRONT_WS_BURST", d.wsBurst(), 1);
        return new SecuritySettings(auditPath, maxBytes, (int) Math.min(keep, 100), (int) Math.min(failures, Integer.MAX_VALUE), window,
                lockout, restRate, (int) Math.min(restBurst, Integer.MAX_VALUE), wsRate, (int) Math.min(wsBurst, Integer.MAX_VALUE));
    }

    private PeerSettings peers() {
        Duration probe = durationValue("peer_probe_interval", "--peer-probe-interval", "HERMES_FRONT_PEER_PROBE_INTERVAL",
                PeerSettings.DEFAULT_PROBE_INTERVAL);
        if (probe.isZero()) {
            throw new ConfigException("peer_probe_interval", "0", "a duration greater than zero");
        }
        Duration timeout = durationValue("peer_timeout", "--peer-timeout", "HERMES_FRONT_PEER_TIMEOUT", PeerSettings.DEFAULT_TIMEOUT);
        JsonNode list = yaml == null ? null : yaml.get("peers");
        List<PeerConfig> out = new ArrayList<>();
        if (list == null || list.isNull()) {
            return new PeerSettings(out, probe, timeout);
        }
        if (!list.isArray()) {
            throw new ConfigException("peers", list.toString(), "a list of {name, url, token|token_env|token_file|basic}");
        }
        Set<String> names = new LinkedHashSet<>();
        int i = 0;
        for (JsonNode c : list) {
            String where = "peers[" + i++ + "]";
            if (!c.isObject()) {
                throw new ConfigException(where, c.toString(), "a mapping {name, url, token|token_env|token_file|basic}");
            }
            checkKeys(c, "peers[]", where + ".");
            JsonNode nameNode = c.get("name");
            String name = nameNode == null || !nameNode.isValueNode() ? "" : nameNode.asText();
            if (!PeerConfig.NAME.matcher(name).matches()) {
                throw new ConfigException(where + ".name", name, "a name matching [a-z0-9][a-z0-9-]*");
            }
            if (!names.add(name)) {
                throw new ConfigException(where + ".name", name, "a name not used by another peer");
            }
            JsonNode urlNode = c.get("url");
            if (urlNode == null || !urlNode.isValueNode()) {
                throw new ConfigException(where + ".url", String.valueOf(urlNode), "http://HOST:PORT");
            }
            URI url = UpstreamConfig.parseUri(where + ".url", urlNode.asText());
            JsonNode basic = c.get("basic");
            Secret token = yamlSecret(c, "token", where + ".token");
            if ((basic == null) == (token == null)) {
                throw new ConfigException(where, name, "exactly one of token, token_env, token_file or basic");
            }
            PeerConfig.PeerCredential cred;
            String described;
            if (token != null) {
                cred = new PeerConfig.Token(token);
                described = "token " + redacted(token.reveal());
            } else {
                BasicLogin login = basicLogin(basic, where, name);
                cred = new PeerConfig.Basic(login.user(), login.password());
                described = "basic user " + login.user() + ":<redacted>";
            }
            Duration t = c.hasNonNull("timeout") ? parseDuration(where + ".timeout", c.get("timeout").asText()) : timeout;
            out.add(new PeerConfig(name, url, cred, t));
            values.add(new ConfigValue("peers", name + " -> " + url + " (" + described + ", timeout " + t + ")", fileSource(where)));
        }
        return new PeerSettings(out, probe, timeout);
    }

    /** A user and password read from a YAML {@code basic:} block. */
    private record BasicLogin(String user, Secret password) {}

    /** Reads {@code basic: {user, password | password_env | password_file}} of the entry {@code where} named {@code name}. */
    private BasicLogin basicLogin(JsonNode basic, String where, String name) {
        checkKeys(basic, "basic", where + ".basic");
        JsonNode user = basic.get("user");
        if (user == null || !user.isValueNode() || user.asText().isEmpty()) {
            throw new ConfigException(where + ".basic.user", String.valueOf(user), "a user name");
        }
        Secret pw = yamlSecret(basic, "password", where + ".basic.password");
        if (pw == null) {
            throw new ConfigException(where + ".basic", name, "one of password, password_env or password_file");
        }
        return new BasicLogin(user.asText(), pw);
    }

    private Duration durationValue(String key, String flag, String envVar, Duration dflt) {
        Raw r = first(key, flag, envVar, true);
        Duration v = r == null ? dflt : parseDuration(keyName(r, key), r.value());
        values.add(new ConfigValue(key, v.toString(), sourceOf(r)));
        return v;
    }

    private Optional<AgentConfig> agent() {
        Raw cmd = first("agent.cmd", "--agent-cmd", "HERMES_FRONT_AGENT_CMD", true);
        Raw ws = first("agent.ws", "--agent-ws", "HERMES_FRONT_AGENT_WS", true);
        if (cmd != null && ws != null) {
            throw new ConfigException("agent.cmd and agent.ws are both set (" + cmd.source() + ", " + ws.source()
                    + "): choose a stdio agent or a dashboard /api/ws, not both");
        }
        if (ws != null) {
            return Optional.of(agentWs(ws));
        }
        if (cmd == null) {
            if (in.agentRequired()) {
                throw new ConfigException("agent.cmd: no agent: pass --agent-cmd 'python -m tui_gateway.entry' "
                        + "or --agent-ws ws://127.0.0.1:9119/api/ws (or set HERMES_FRONT_AGENT_CMD / agent.cmd in the config file)");
            }
            return Optional.empty();
        }
        List<String> argv = CommandLine.split(keyName(cmd, "agent.cmd"), cmd.value());
        values.add(new ConfigValue("agent.cmd", cmd.value(), cmd.source()));
        Raw cwdRaw = first("agent.cwd", "--agent-cwd", "HERMES_FRONT_AGENT_CWD", true);
        Optional<Path> cwd = Optional.empty();
        if (cwdRaw != null) {
            Path p = expand(cwdRaw.value());
            if (!Files.isDirectory(p)) {
                throw new ConfigException(keyName(cwdRaw, "agent.cwd"), cwdRaw.value(), "an existing directory");
            }
            cwd = Optional.of(p);
            values.add(new ConfigValue("agent.cwd", p.toString(), cwdRaw.source()));
        }
        Map<String, String> extra = new LinkedHashMap<>();
        List<Raw> envs = list("agent.env", "--agent-env", "HERMES_FRONT_AGENT_ENV");
        for (Raw kv : envs) {
            int eq = kv.value().indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(keyName(kv, "agent.env"), kv.value(), "NAME=VALUE");
            }
            extra.put(kv.value().substring(0, eq), kv.value().substring(eq + 1));
            values.add(new ConfigValue("agent.env", kv.value().substring(0, eq) + "=…", kv.source()));
        }
        Raw grace = first("agent.stop_grace", "--agent-stop-grace", "HERMES_FRONT_AGENT_STOP_GRACE", true);
        Duration stop = Duration.ofSeconds(5);
        if (grace != null) {
            stop = parseDuration(keyName(grace, "agent.stop_grace"), grace.value());
        }
        values.add(new ConfigValue("agent.stop_grace", stop.toString(), sourceOf(grace)));
        return Optional.of(new AgentConfig(argv, cwd, extra, stop, Optional.empty(), Optional.empty()));
    }

    /** The dashboard link: agent.ws plus the dashboard token, resolved like dashboard.token. */
    private AgentConfig agentWs(Raw ws) {
        URI url;
        try {
            url = new URI(ws.value().strip());
        } catch (URISyntaxException e) {
            throw new ConfigException(keyName(ws, "agent.ws"), ws.value(), "a ws:// URL such as ws://127.0.0.1:9119/api/ws");
        }
        if (!("ws".equals(url.getScheme()) || "wss".equals(url.getScheme())) || url.getHost() == null || url.getPort() < 0) {
            throw new ConfigException(keyName(ws, "agent.ws"), ws.value(), "a ws:// URL with host and port, such as ws://127.0.0.1:9119/api/ws");
        }
        values.add(new ConfigValue("agent.ws", url.toString(), ws.source()));
        Raw tok = first("dashboard.token", "--dashboard-token", "HERMES_FRONT_DASHBOARD_TOKEN", true);
        if (tok == null) {
            tok = agentVariable("HERMES_DASHBOARD_SESSION_TOKEN");
        }
        values.add(new ConfigValue("agent.ws token", tok == null ? "(none)" : redacted(tok.value()), sourceOf(tok)));
        return new AgentConfig(List.of(), Optional.empty(), Map.of(), Duration.ofSeconds(5), Optional.of(url),
                Optional.ofNullable(tok == null || tok.value().isBlank() ? null : Secret.of(tok.value().strip())));
    }

    // ------------------------------------------------------------------ sources

    /** Flag, then env var, then (when {@code fromFile}) the YAML key; null when none is set. */
    private Raw first(String key, String flag, String envVar, boolean fromFile) {
        List<String> f = in.flags().get(key);
        if (f != null && !f.isEmpty()) {
            return new Raw(f.get(f.size() - 1), "flag " + flag);
        }
        String e = in.env().get(envVar);
        if (nonEmpty(e)) {
            return new Raw(e, "env " + envVar);
        }
        if (fromFile) {
            JsonNode n = yamlAt(key);
            if (n != null && !n.isNull()) {
                if (!n.isValueNode()) {
                    throw new ConfigException(key, n.toString(), "a single value in " + file);
                }
                return new Raw(n.asText(), fileSource(key));
            }
        }
        return null;
    }

    /** The first non-empty list among flag (repeatable), env var (comma-separated) and YAML list. */
    private List<Raw> list(String key, String flag, String envVar) {
        List<String> f = in.flags().get(key);
        List<Raw> out = new ArrayList<>();
        if (f != null && !f.isEmpty()) {
            f.forEach(v -> out.add(new Raw(v, "flag " + flag)));
            return out;
        }
        String e = in.env().get(envVar);
        if (nonEmpty(e)) {
            for (String part : e.split(",")) {
                if (!part.isBlank()) {
                    out.add(new Raw(part.strip(), "env " + envVar));
                }
            }
            return out;
        }
        JsonNode n = yamlAt(key);
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isObject() && key.equals("agent.env")) {
            n.fields().forEachRemaining(en -> out.add(new Raw(en.getKey() + "=" + en.getValue().asText(), fileSource(key))));
            return out;
        }
        if (!n.isArray()) {
            throw new ConfigException(key, n.toString(), "a list in " + file);
        }
        for (JsonNode el : n) {
            if (!el.isValueNode()) {
                throw new ConfigException(key, el.toString(), "a list of strings in " + file);
            }
            out.add(new Raw(el.asText(), fileSource(key)));
        }
        return out;
    }

    /** API_SERVER_KEY and friends: the environment first, then {@code $HERMES_HOME/.env}; notes a disagreement. */
    private Raw agentVariable(String name) {
        String fromEnv = in.env().get(name);
        String fromFile = dotEnv.get(name);
        if (nonEmpty(fromEnv) && nonEmpty(fromFile) && !fromEnv.strip().equals(fromFile.strip())) {
            notes.add(name + " differs between the environment and " + envFile + "; the front uses the environment's, "
                    + "but Hermes loads .env with override, so the API server likely uses the file's (upstream #18705)");
        }
        if (nonEmpty(fromEnv)) {
            return new Raw(fromEnv, "env " + name);
        }
        if (nonEmpty(fromFile)) {
            return new Raw(fromFile, ".env " + envFile + " (" + name + ")");
        }
        return null;
    }

    private void checkMisplacedDotEnv(Path hermesHome) {
        Path standard = in.userHome().resolve(".hermes");
        if (hermesHome.normalize().equals(standard.normalize())) {
            return;
        }
        Optional<Map<String, String>> other = DotEnv.read(standard.resolve(".env"));
        if (other.isPresent() && other.get().containsKey("API_SERVER_KEY") && !dotEnv.containsKey("API_SERVER_KEY")) {
            notes.add(standard.resolve(".env") + " sets API_SERVER_KEY but HERMES_HOME is " + hermesHome
                    + ", so Hermes (and the front) read " + envFile + " instead (upstream #31144)");
        }
    }

    private JsonNode yamlAt(String dotted) {
        if (yaml == null) {
            return null;
        }
        JsonNode n = yaml;
        for (String part : dotted.split("\\.")) {
            n = n.get(part);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    private List<Credential> yamlCredentials() {
        JsonNode list = yaml == null ? null : yaml.get("credentials");
        List<Credential> out = new ArrayList<>();
        if (list == null || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            throw new ConfigException("credentials", list.toString(), "a list of {name, token|token_env|token_file|basic, scope}");
        }
        int i = 0;
        for (JsonNode c : list) {
            String where = "credentials[" + i++ + "]";
            JsonNode nameNode = c.get("name");
            if (nameNode == null || !nameNode.isValueNode() || nameNode.asText().isBlank()) {
                throw new ConfigException(where + ".name", String.valueOf(nameNode), "a non-empty name");
            }
            String name = nameNode.asText();
            String scope = c.hasNonNull("scope") ? c.get("scope").asText() : Credential.DEFAULT_SCOPE;
            if (Scope.parse(scope).isEmpty()) {
                throw new ConfigException(where + ".scope", scope, "read, chat or admin");
            }
            JsonNode basic = c.get("basic");
            Secret token = yamlSecret(c, "token", where + ".token");
            if ((basic == null) == (token == null)) {
                throw new ConfigException(where, name, "exactly one of token, token_env, token_file or basic");
            }
            if (token != null) {
                out.add(new Credential.Token(name, token, scope));
                values.add(new ConfigValue("credentials", name + " (token, scope " + scope + ")", fileSource(where)));
            } else {
                BasicLogin login = basicLogin(basic, where, name);
                out.add(new Credential.Basic(name, login.user(), login.password(), scope));
                values.add(new ConfigValue("credentials", name + " (basic user " + login.user() + ", scope " + scope + ")", fileSource(where)));
            }
        }
        return out;
    }

    /** Reads {@code NAME}, {@code NAME_env} or {@code NAME_file} under {@code node}; at most one may be set. */
    private Secret yamlSecret(JsonNode node, String name, String where) {
        if (node == null) {
            return null;
        }
        JsonNode plain = node.get(name);
        JsonNode envName = node.get(name + "_env");
        JsonNode path = node.get(name + "_file");
        int set = (plain != null ? 1 : 0) + (envName != null ? 1 : 0) + (path != null ? 1 : 0);
        if (set == 0) {
            return null;
        }
        if (set > 1) {
            throw new ConfigException(where, "(several)", "only one of " + name + ", " + name + "_env, " + name + "_file");
        }
        String value;
        if (plain != null) {
            value = plain.asText();
        } else if (envName != null) {
            value = in.env().get(envName.asText());
            if (!nonEmpty(value)) {
                throw new ConfigException(where + "_env", envName.asText(), "the name of a set, non-empty environment variable");
            }
        } else {
            Path p = expand(path.asText());
            try {
                value = Files.readString(p, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException(where + "_file", path.asText(), "a readable file holding the secret");
            }
        }
        if (value == null || value.isEmpty()) {
            throw new ConfigException(where, "", "a non-empty secret");
        }
        return Secret.of(value);
    }

    private JsonNode readYaml(Path p) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(p.toFile());
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new ConfigException("config", p.toString(), "a readable YAML file (" + msg + ")");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return null;
        }
        if (!root.isObject()) {
            throw new ConfigException("config", p.toString(), "a YAML mapping of keys such as listen, api, dashboard");
        }
        checkKeys(root, "", "");
        for (String section : List.of("timeouts", "api", "dashboard", "agent")) {
            JsonNode s = root.get(section);
            if (s != null && !s.isNull()) {
                if (!s.isObject()) {
                    throw new ConfigException(section, s.toString(), "a mapping");
                }
                checkKeys(s, section, section + ".");
            }
        }
        JsonNode creds = root.get("credentials");
        if (creds != null && creds.isArray()) {
            int i = 0;
            for (JsonNode c : creds) {
                if (!c.isObject()) {
                    throw new ConfigException("credentials[" + i + "]", c.toString(), "a mapping {name, token|basic, scope}");
                }
                checkKeys(c, "credentials[]", "credentials[" + i++ + "].");
            }
        }
        return root;
    }

    private void checkKeys(JsonNode node, String section, String prefix) {
        Set<String> known = YAML_KEYS.get(section);
        if (!node.isObject()) {
            throw new ConfigException(prefix.isEmpty() ? section : prefix, node.toString(), "a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new ConfigException((prefix.endsWith(".") || prefix.isEmpty() ? prefix : prefix + ".") + k,
                        "(in " + file + ")", "one of " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        }
    }

    // ------------------------------------------------------------------ value parsing

    private long longValue(String key, String flag, String envVar, long dflt, long min) {
        Raw r = first(key, flag, envVar, true);
        if (r == null) {
            values.add(new ConfigValue(key, Long.toString(dflt), "default"));
            return dflt;
        }
        long v;
        try {
            v = Long.parseLong(r.value().strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new ConfigException(keyName(r, key), r.value(), "a whole number of bytes >= " + min);
        }
        if (v < min) {
            throw new ConfigException(keyName(r, key), r.value(), "a whole number of bytes >= " + min);
        }
        values.add(new ConfigValue(key, Long.toString(v), r.source()));
        return v;
    }

    private Duration duration(String key, String flag, String envVar, Duration dflt) {
        Raw r = first(key, flag, envVar, true);
        return r == null ? dflt : parseDuration(keyName(r, key), r.value());
    }

    /**
     * Parses an ISO-8601 duration ({@code PT30S}), whole seconds ({@code 30}) or a number with a unit
     * ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}); zero allowed, negative not.
     */
    public static Duration parseDuration(String key, String value) {
        String v = value.strip();
        Duration d;
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(v);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } else {
                d = v.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(v)) : Duration.parse(v.toUpperCase(Locale.ROOT));
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            throw new ConfigException(key, value, "a duration such as 30s, 2m or 500ms, an ISO-8601 duration such as PT30S, or whole seconds");
        }
        if (d.isNegative()) {
            throw new ConfigException(key, value, "a duration >= 0");
        }
        return d;
    }

    private String keyName(Raw r, String key) {
        if (r == null) {
            return key;
        }
        String s = r.source();
        if (s.startsWith("flag ")) {
            return s.substring(5);
        }
        if (s.startsWith("env ")) {
            return s.substring(4);
        }
        return key + " in " + file;
    }

    private String fileSource(String key) {
        return "file " + file + " (" + key + ")";
    }

    private static String sourceOf(Raw r) {
        return r == null ? "default" : r.source();
    }

    private static String redacted(String secret) {
        return "<redacted, " + secret.strip().length() + " chars>";
    }

    private Path expand(String p) {
        String v = p.strip();
        if (v.equals("~")) {
            return in.userHome();
        }
        if (v.startsWith("~/")) {
            return in.userHome().resolve(v.substring(2));
        }
        return Path.of(v);
    }

    private static boolean nonEmpty(String s) {
        return s != null && !s.isBlank();
    }
}
