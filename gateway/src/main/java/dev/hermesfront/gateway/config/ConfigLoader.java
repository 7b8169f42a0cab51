package dev.hermesfront.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Resolves every setting of the table ({@link Settings}) from its sources and records where each value
 * came from.
 *
 * <p>Precedence, highest first (docs/configuration.md): command-line flag, environment variable
 * {@code HERMES_FRONT_*}, the YAML file ({@code --config} / {@code HERMES_FRONT_CONFIG}), then for the
 * agent's own keys only ({@code api.upstream} port, {@code api.key}, {@code dashboard.token}) the
 * variables {@code API_SERVER_PORT}, {@code API_SERVER_KEY}, {@code HERMES_DASHBOARD_SESSION_TOKEN} from
 * the environment and then from {@code $HERMES_HOME/.env}, and finally the defaults. Every key of the
 * YAML file must be a row of the table or part of {@code credentials} / {@code peers}; anything else fails
 * with the file, the line and the nearest known key. Pure: the environment, flags and home directory are
 * passed in, so tests use {@code Map.of(...)}.
 */
public final class ConfigLoader {
    /** Value of {@code api.upstream} / {@code dashboard.upstream} that turns a proxy off. */
    public static final String OFF = "off";
    /** Shortest token or Basic password accepted on a non-loopback bind. */
    public static final int MIN_SECRET_LENGTH = 16;

    /**
     * What to resolve.
     *
     * @param flags         values given on the command line, by YAML key (e.g. {@code api.upstream}); lists keep order
     * @param env           the process environment
     * @param userHome      the user's home directory, for {@code ~} and the default {@code HERMES_HOME}
     * @param agentRequired true for {@code serve}: {@code agent.cmd} or {@code agent.ws} must be set
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
     * The result: the gateway settings, the agent command ({@code serve} only), the record directory, every
     * effective value with its source, and notes worth telling the operator (e.g. two sources disagreeing).
     */
    public record Loaded(GatewayConfig gateway, Optional<AgentConfig> agent, Optional<Path> record, List<ConfigValue> values,
                         List<String> notes, boolean generatedToken, LogSettings logging) {
        /** Returns where {@code key}'s effective value came from, or "default". */
        public String sourceOf(String key) {
            return values.stream().filter(v -> v.key().equals(key)).map(ConfigValue::source).findFirst().orElse("default");
        }
    }

    /**
     * How the process logs.
     *
     * @param json   one JSON object per line instead of text
     * @param levels logger name to java.util.logging level name, in configuration order
     */
    public record LogSettings(boolean json, Map<String, String> levels) {
        public LogSettings {
            levels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(levels));
        }

        /** Text lines, no levels set. */
        public static LogSettings defaults() {
            return new LogSettings(false, Map.of());
        }
    }

    private record Raw(String value, String source, String name) {}

    private final Input in;
    private final YamlDoc yaml;
    private final FileSecrets secrets;
    private final List<ConfigValue> values = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** The value of every row read, by key: typed where it was parsed, else its text ({@link RowValues}). */
    private final Map<String, Object> rows = new LinkedHashMap<>();
    private Path envFile;
    private Path hermesHome;
    private Map<String, String> dotEnv = Map.of();

    private ConfigLoader(Input in) {
        this.in = in;
        Raw cfg = first(Settings.CONFIG);
        Path file = cfg == null ? null : expand(cfg.value());
        this.yaml = file == null ? null : YamlDoc.read(file);
        this.secrets = new FileSecrets(yaml, in.env(), in.userHome());
        values.add(new ConfigValue("config", file == null ? "(none)" : file.toString(), cfg == null ? "default" : cfg.source()));
        if (yaml != null) {
            checkKeys();
        }
    }

    /** Resolves everything or throws {@link ConfigException} naming the first bad key and its expected form. */
    public static Loaded load(Input in) {
        return new ConfigLoader(in).resolve();
    }

    private Loaded resolve() {
        Raw home = first(Settings.HERMES_HOME);
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
        this.hermesHome = hermesHome;
        envFile = hermesHome.resolve(".env");
        Optional<Map<String, String>> read = DotEnv.read(envFile);
        dotEnv = read.orElse(Map.of());
        values.add(new ConfigValue("(.env)", envFile + (read.isPresent() ? "" : " (not found)"), "$HERMES_HOME/.env"));
        checkMisplacedDotEnv(hermesHome);

        InetSocketAddress listen = value(Settings.LISTEN);
        boolean loopback = ListenAddress.isLoopback(listen);
        boolean generated = false;
        List<Credential> creds = new ArrayList<>();
        Raw token = first(Settings.TOKEN);
        if (token != null) {
            creds.add(new Credential.Token("token", Secret.of(FileSecrets.checked(token.value(), token.name(), loopback)), Credential.DEFAULT_SCOPE));
            values.add(new ConfigValue("token", FileSecrets.redacted(token.value()), token.source()));
        }
        CredentialList.Read fromFile = CredentialList.read(yaml, secrets, loopback, values);
        creds.addAll(fromFile.credentials());
        for (Raw b : list(Settings.BASIC_USERS)) {
            String[] up = Settings.BASIC_USERS.parse(b.name(), b.value());
            FileSecrets.checked(up[1], b.name(), loopback);
            creds.add(new Credential.Basic(up[0], up[0], Secret.of(up[1]), Credential.DEFAULT_SCOPE));
            values.add(new ConfigValue("basic_users", up[0] + ":<redacted>", b.source()));
        }
        if (creds.isEmpty()) {
            if (!loopback) {
                throw new ConfigException("refusing to listen on " + ListenAddress.format(listen)
                        + " without a credential: anyone who reaches that address could drive the agent. "
                        + "Pass --token T (or set HERMES_FRONT_TOKEN), --basic-user NAME:PASSWORD, or listen on 127.0.0.1.");
            }
            creds.add(new Credential.Token("token", Secret.of(in.randomToken().get()), Credential.DEFAULT_SCOPE));
            values.add(new ConfigValue("token", "<random>", "default (loopback only)"));
            generated = true;
        }
        Credentials credentials = Credentials.of(creds, fromFile.delegating());
        ProxyIdentity proxy = ProxyIdentity.resolve(value(Settings.IDENTITY_HEADER), listValue(Settings.TRUSTED_PROXIES), credentials, notes);
        Set<String> hosts = new LinkedHashSet<>(listValue(Settings.ALLOWED_HOSTS));
        Set<String> origins = new LinkedHashSet<>(listValue(Settings.ALLOWED_ORIGINS));

        LimitSettings limits = LimitSettings.from(this::value);
        Duration connect = value(Settings.CONNECT_TIMEOUT);
        Duration response = value(Settings.RESPONSE_TIMEOUT);
        Duration idle = value(Settings.IDLE_TIMEOUT);
        UpstreamConfig api = api(connect, response, idle);
        UpstreamConfig dashboard = dashboard(connect, response, idle);
        GatewayConfig gateway = new GatewayConfig(new ListenSettings(listen, hosts, origins), new AuthSettings(credentials, proxy), limits,
                new UpstreamSettings(Optional.ofNullable(api), Optional.ofNullable(dashboard), connect, response, idle), tui(),
                security(), PeerList.read(yaml, secrets, value(Settings.PEER_PROBE_INTERVAL), value(Settings.PEER_TIMEOUT), values),
                pools(), remote(), RowValues.of(rows));
        Optional<AgentConfig> agent = agent();
        Raw record = first(Settings.RECORD);
        Optional<Path> recordDir = record == null || record.value().strip().equalsIgnoreCase(OFF) ? Optional.empty()
                : Optional.of(expand(record.value()));
        values.add(new ConfigValue("record", recordDir.map(Path::toString).orElse("(off)"), sourceOf(record)));
        LogSettings logging = logging();
        return new Loaded(gateway, agent, recordDir, List.copyOf(values), List.copyOf(notes), generated, logging);
    }

    private RemoteSettings remote() {
        Optional<Path> cert = offOrPath(Settings.TLS_CERT);
        Optional<Path> key = offOrPath(Settings.TLS_KEY);
        if (cert.isPresent() != key.isPresent()) {
            throw new ConfigException((cert.isPresent() ? "tls.key" : "tls.cert") + ": tls.cert and tls.key go together; name both PEM "
                    + "files (e.g. tailscale cert --cert-file front.crt --key-file front.key HOST)");
        }
        for (Optional<Path> f : List.of(cert, key)) {
            if (f.isPresent() && !Files.isReadable(f.get())) {
                throw new ConfigException(f == cert ? "tls.cert" : "tls.key", f.get().toString(), "a readable PEM file");
            }
        }
        boolean insecure = value(Settings.INSECURE_PLAINTEXT);
        Raw pub = first(Settings.PUBLIC_URL);
        Optional<URI> publicUrl = Optional.empty();
        if (pub != null) {
            publicUrl = Optional.of(httpUrl(pub.name(), pub.value()));
            values.add(new ConfigValue("public_url", publicUrl.get().toString(), pub.source()));
        }
        Optional<Path> state = Optional.of(expand(value(Settings.STATE_DIR)));
        Optional<String> webhook = offOrText(Settings.NOTIFY_WEBHOOK);
        Optional<String> ntfy = offOrText(Settings.NOTIFY_NTFY);
        Raw secret = first(Settings.NOTIFY_SECRET);
        if (secret != null) {
            values.add(new ConfigValue("notify.secret", FileSecrets.redacted(secret.value()), secret.source()));
        }
        RemoteSettings.NotifySettings notify = new RemoteSettings.NotifySettings(
                webhook.map(u -> httpUrl("notify.webhook", u)), ntfy.map(u -> httpUrl("notify.ntfy", u)),
                Optional.ofNullable(secret == null ? null : Secret.of(secret.value().strip())), value(Settings.NOTIFY_AFTER));
        return new RemoteSettings(cert, key, insecure, publicUrl, state, notify);
    }

    /** A setting whose value is a path or {@code off}; the value is recorded. */
    private Optional<Path> offOrPath(Setting<String> s) {
        return offOrText(s).map(this::expand);
    }

    /** A setting whose value is text or {@code off}; the value is recorded. */
    private Optional<String> offOrText(Setting<String> s) {
        String v = value(s);
        return v == null || v.isBlank() || v.strip().equalsIgnoreCase(OFF) ? Optional.empty() : Optional.of(v.strip());
    }

    private static URI httpUrl(String name, String v) {
        try {
            URI u = new URI(v.strip());
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return u;
            }
        } catch (java.net.URISyntaxException e) {
            // fall through
        }
        throw new ConfigException(name, v, "an http:// or https:// URL");
    }

    private LogSettings logging() {
        boolean json = value(Settings.LOG_FORMAT).equals("json");
        Map<String, String> levels = new LinkedHashMap<>();
        for (String[] l : listValueQuiet(Settings.LOG_LEVELS)) {
            levels.put(l[0], l[1]);
            values.add(new ConfigValue("log_levels", (l[0].isEmpty() ? "(root)" : l[0]) + "=" + l[1], sourceOfList(Settings.LOG_LEVELS)));
        }
        return new LogSettings(json, levels);
    }

    private UpstreamConfig api(Duration connect, Duration response, Duration idle) {
        Raw up = first(Settings.API_UPSTREAM);
        if (up != null && up.value().strip().equalsIgnoreCase(OFF)) {
            values.add(new ConfigValue("api.upstream", OFF, up.source()));
            return null;
        }
        Raw key = first(Settings.API_KEY);
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
            uri = Settings.API_UPSTREAM.parse(up.name(), up.value());
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
        values.add(new ConfigValue("api.key", FileSecrets.redacted(key.value()), key.source()));
        String k = key.value().strip();
        if (k.length() < 16) {
            notes.add("api.key from " + key.source() + " is shorter than 16 characters: the API server refuses to start with such a key");
        }
        return new UpstreamConfig(uri, Optional.of(Secret.of(k)), connect, response, idle);
    }

    private UpstreamConfig dashboard(Duration connect, Duration response, Duration idle) {
        Raw up = first(Settings.DASHBOARD_UPSTREAM);
        if (up == null || up.value().strip().equalsIgnoreCase(OFF)) {
            values.add(new ConfigValue("dashboard.upstream", OFF, sourceOf(up)));
            return null;
        }
        URI uri = Settings.DASHBOARD_UPSTREAM.parse(up.name(), up.value());
        values.add(new ConfigValue("dashboard.upstream", uri.toString(), up.source()));
        Raw tok = dashboardToken();
        values.add(new ConfigValue("dashboard.token", tok == null ? "(read from the dashboard's page)" : FileSecrets.redacted(tok.value()),
                sourceOf(tok)));
        return new UpstreamConfig(uri, Optional.ofNullable(tok == null ? null : Secret.of(tok.value().strip())), connect, response, idle);
    }

    private Raw dashboardToken() {
        Raw tok = first(Settings.DASHBOARD_TOKEN);
        return tok != null ? tok : agentVariable("HERMES_DASHBOARD_SESSION_TOKEN");
    }

    private TuiSettings tui() {
        return TuiSettings.from(this::value);
    }

    private SecuritySettings security() {
        Raw audit = first(Settings.AUDIT_LOG);
        Optional<Path> auditPath = audit == null || audit.value().isBlank() || audit.value().strip().equalsIgnoreCase(OFF)
                ? Optional.empty() : Optional.of(expand(audit.value()));
        values.add(new ConfigValue("audit_log", auditPath.map(Path::toString).orElse("(off)"), sourceOf(audit)));
        return SecuritySettings.from(this::value, auditPath);
    }

    private PoolSettings pools() {
        Raw io = first(Settings.IO_THREADS);
        long ioThreads = io == null ? PoolSettings.defaultIoThreads() : Settings.IO_THREADS.parse(io.name(), io.value());
        values.add(new ConfigValue(Settings.IO_THREADS.key(), Long.toString(ioThreads), sourceOf(io)));
        return PoolSettings.from(this::value, (int) ioThreads);
    }

    private Optional<AgentConfig> agent() {
        Raw cmd = first(Settings.AGENT_CMD);
        Raw ws = first(Settings.AGENT_WS);
        if (cmd != null && ws != null) {
            throw new ConfigException("agent.cmd and agent.ws are both set (" + cmd.source() + ", " + ws.source()
                    + "): choose a stdio agent or a dashboard /api/ws, not both");
        }
        Duration stop = value(Settings.AGENT_STOP_GRACE);
        if (ws != null) {
            URI url = Settings.AGENT_WS.parse(ws.name(), ws.value());
            values.add(new ConfigValue("agent.ws", url.toString(), ws.source()));
            Raw tok = dashboardToken();
            values.add(new ConfigValue("agent.ws token", tok == null ? "(none)" : FileSecrets.redacted(tok.value()), sourceOf(tok)));
            boolean ticket = value(Settings.AGENT_WS_TICKET);
            if (ticket && (tok == null || tok.value().isBlank())) {
                throw new ConfigException("agent.ws_ticket is set but no dashboard.token is: minting a ticket needs the dashboard's "
                        + "session token (--dashboard-token or HERMES_DASHBOARD_SESSION_TOKEN)");
            }
            return Optional.of(new AgentConfig(List.of(), Optional.empty(), Map.of(), stop, Duration.ZERO, 0, Optional.of(url),
                    Optional.ofNullable(tok == null || tok.value().isBlank() ? null : Secret.of(tok.value().strip())), ticket));
        }
        if (cmd == null && in.agentRequired()) {
            Optional<HermesInstall> found = HermesInstall.find(in.env(), hermesHome);
            if (found.isPresent()) {
                HermesInstall h = found.get();
                values.add(new ConfigValue("agent.cmd", String.join(" ", h.argv()), "found: " + h.how()));
                values.add(new ConfigValue("agent.cwd", h.source().toString(), "found: " + h.how()));
                notes.add("agent: no agent option, so running the local Hermes install: " + h.python() + " -m tui_gateway.entry in "
                        + h.source() + " (found from " + h.how() + ")");
                return Optional.of(new AgentConfig(h.argv(), Optional.of(h.source()), agentEnv(), stop, value(Settings.AGENT_EXIT_DRAIN),
                        value(Settings.AGENT_MAX_LINE_BYTES).intValue(), Optional.empty(), Optional.empty(), false));
            }
        }
        if (cmd == null) {
            if (in.agentRequired()) {
                throw new ConfigException("agent.cmd: no agent: pass --agent-cmd 'python -m tui_gateway.entry' "
                        + "or --agent-ws ws://127.0.0.1:9119/api/ws (or set HERMES_FRONT_AGENT_CMD / agent.cmd in the config file); "
                        + "no Hermes install was found either (no hermes command on PATH, no " + hermesHome.resolve("hermes-agent") + ")");
            }
            return Optional.empty();
        }
        List<String> argv = CommandLine.split(cmd.name(), cmd.value());
        values.add(new ConfigValue("agent.cmd", cmd.value(), cmd.source()));
        Raw cwdRaw = first(Settings.AGENT_CWD);
        Optional<Path> cwd = Optional.empty();
        if (cwdRaw != null) {
            Path p = expand(cwdRaw.value());
            if (!Files.isDirectory(p)) {
                throw new ConfigException(cwdRaw.name(), cwdRaw.value(), "an existing directory");
            }
            cwd = Optional.of(p);
            values.add(new ConfigValue("agent.cwd", p.toString(), cwdRaw.source()));
        }
        return Optional.of(new AgentConfig(argv, cwd, agentEnv(), stop, value(Settings.AGENT_EXIT_DRAIN),
                value(Settings.AGENT_MAX_LINE_BYTES).intValue(), Optional.empty(), Optional.empty(), false));
    }

    private Map<String, String> agentEnv() {
        Map<String, String> extra = new LinkedHashMap<>();
        for (Raw kv : list(Settings.AGENT_ENV)) {
            String[] pair = Settings.AGENT_ENV.parse(kv.name(), kv.value());
            extra.put(pair[0], pair[1]);
            values.add(new ConfigValue("agent.env", pair[0] + "=…", kv.source()));
        }
        return extra;
    }

    // ------------------------------------------------------------------ sources

    /** Returns the typed value of a one-value setting (flag, variable, file, else its default) and records where it came from. */
    private <T> T value(Setting<T> s) {
        Raw r = first(s);
        T v;
        if (r != null) {
            v = s.parse(r.name(), r.value());
        } else if (s.shape() == Setting.Shape.SWITCH) {
            v = s.parse(s.key(), "false");
        } else {
            v = s.defaultValue();
        }
        rows.put(s.key(), v);
        values.add(new ConfigValue(s.key(), s.secret() ? FileSecrets.redacted(r == null ? "" : r.value()) : display(v), sourceOf(r)));
        return v;
    }

    /** Returns the parsed values of a list setting, each recorded with its source. */
    private <T> List<T> listValue(Setting<T> s) {
        List<T> out = new ArrayList<>();
        for (Raw r : list(s)) {
            T v = s.parse(r.name(), r.value());
            out.add(v);
            values.add(new ConfigValue(s.key(), display(v), r.source()));
        }
        rows.put(s.key(), List.copyOf(out));
        return out;
    }

    /** Returns the parsed values of a list setting without recording them (the caller records its own display). */
    private <T> List<T> listValueQuiet(Setting<T> s) {
        List<T> out = new ArrayList<>();
        for (Raw r : list(s)) {
            out.add(s.parse(r.name(), r.value()));
        }
        rows.put(s.key(), List.copyOf(out));
        return out;
    }

    private String sourceOfList(Setting<?> s) {
        List<Raw> raws = list(s);
        return raws.isEmpty() ? "default" : raws.get(0).source();
    }

    private static String display(Object v) {
        if (v instanceof InetSocketAddress a) {
            return ListenAddress.format(a);
        }
        return String.valueOf(v);
    }

    /** Flag, then variable, then (unless it is {@code config} itself) the YAML key and its secret variants; null when none is set. */
    private Raw first(Setting<?> s) {
        Raw r = firstUnrecorded(s);
        if (r != null && !rows.containsKey(s.key())) {
            Object v;
            try {
                v = s.parse(r.name(), r.value());
            } catch (ConfigException e) {
                v = r.value(); // its reader applies its own rule (off, a path), and names the error if there is one
            }
            rows.put(s.key(), v);
        }
        return r;
    }

    private Raw firstUnrecorded(Setting<?> s) {
        List<String> f = in.flags().get(s.key());
        if (f != null && !f.isEmpty()) {
            return new Raw(f.get(f.size() - 1), "flag " + s.flag(), s.flag());
        }
        String e = in.env().get(s.env());
        if (nonEmpty(e)) {
            return new Raw(e, "env " + s.env(), s.env());
        }
        if (yaml == null || s == Settings.CONFIG) {
            return null;
        }
        if (s.secret()) {
            int dot = s.key().lastIndexOf('.');
            JsonNode parent = dot < 0 ? yaml.root() : yaml.at(s.key().substring(0, dot));
            String leaf = s.key().substring(dot + 1);
            if (parent == null) {
                return null;
            }
            Secret secret = secrets.read(text(parent, leaf, s.key()), text(parent, leaf + "_env", s.key() + "_env"),
                    text(parent, leaf + "_file", s.key() + "_file"), s.key());
            return secret == null ? null : new Raw(secret.reveal(), secrets.fileSource(s.key()), s.key() + " in " + yaml.where(s.key()));
        }
        JsonNode n = yaml.at(s.key());
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isValueNode()) {
            throw new ConfigException(yaml.where(s.key()) + ": " + s.key() + " must be a single value");
        }
        return new Raw(n.asText(), secrets.fileSource(s.key()), s.key() + " in " + yaml.where(s.key()));
    }

    private String text(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isValueNode()) {
            throw new ConfigException(yaml.where(path) + ": " + path + " must be a single value");
        }
        return n.asText();
    }

    /**
     * The first non-empty list among flag (repeatable), variable (comma-separated; {@code \,} is a literal
     * comma) and YAML list ({@code agent.env} may also be a mapping).
     */
    private List<Raw> list(Setting<?> s) {
        List<Raw> out = listUnrecorded(s);
        rows.putIfAbsent(s.key(), out.stream().map(Raw::value).toList());
        return out;
    }

    private List<Raw> listUnrecorded(Setting<?> s) {
        List<String> f = in.flags().get(s.key());
        List<Raw> out = new ArrayList<>();
        if (f != null && !f.isEmpty()) {
            f.forEach(v -> out.add(new Raw(v, "flag " + s.flag(), s.flag())));
            return out;
        }
        String e = in.env().get(s.env());
        if (nonEmpty(e)) {
            for (String part : splitList(e)) {
                if (!part.isBlank()) {
                    out.add(new Raw(part.strip(), "env " + s.env(), s.env()));
                }
            }
            return out;
        }
        JsonNode n = yaml == null ? null : yaml.at(s.key());
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isObject() && s == Settings.AGENT_ENV) {
            n.fields().forEachRemaining(en -> out.add(new Raw(en.getKey() + "=" + en.getValue().asText(), secrets.fileSource(s.key()),
                    s.key() + " in " + yaml.where(s.key()))));
            return out;
        }
        if (!n.isArray()) {
            throw new ConfigException(yaml.where(s.key()) + ": " + s.key() + " must be a list");
        }
        int i = 0;
        for (JsonNode el : n) {
            String path = s.key() + "[" + i++ + "]";
            if (!el.isValueNode()) {
                throw new ConfigException(yaml.where(path) + ": " + path + " must be a single value");
            }
            out.add(new Raw(el.asText(), secrets.fileSource(s.key()), path + " in " + yaml.where(path)));
        }
        return out;
    }

    /** Splits a comma-separated variable; {@code \,} stands for a comma inside a value, {@code \\} for a backslash. */
    static List<String> splitList(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && (text.charAt(i + 1) == ',' || text.charAt(i + 1) == '\\')) {
                cur.append(text.charAt(++i));
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
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
            return new Raw(fromEnv, "env " + name, name);
        }
        if (nonEmpty(fromFile)) {
            return new Raw(fromFile, ".env " + envFile + " (" + name + ")", name + " in " + envFile);
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

    /**
     * Every key of the file must be a row of the table (its section a mapping), a secret's {@code _env} /
     * {@code _file} variant, or {@code credentials} / {@code peers} (checked when they are bound).
     */
    private void checkKeys() {
        Map<String, Set<String>> known = new LinkedHashMap<>();
        for (Setting<?> s : Settings.TABLE) {
            if (s == Settings.CONFIG) {
                continue;
            }
            int dot = s.key().lastIndexOf('.');
            String section = dot < 0 ? "" : s.key().substring(0, dot);
            String leaf = s.key().substring(dot + 1);
            Set<String> keys = known.computeIfAbsent(section, k -> new LinkedHashSet<>());
            keys.add(leaf);
            if (s.secret()) {
                keys.add(leaf + "_env");
                keys.add(leaf + "_file");
            }
            if (!section.isEmpty()) {
                known.computeIfAbsent("", k -> new LinkedHashSet<>()).add(section);
            }
        }
        known.get("").add("credentials");
        known.get("").add("peers");
        for (Iterator<String> it = yaml.root().fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.get("").contains(k)) {
                throw FileEntries.unknownKey(yaml, k, k, "", known.get(""));
            }
            Set<String> children = known.get(k);
            JsonNode node = yaml.root().get(k);
            if (children != null && node != null && !node.isNull()) {
                if (!node.isObject()) {
                    throw new ConfigException(yaml.where(k) + ": " + k + " must be a mapping of " + FileEntries.keys(children));
                }
                for (Iterator<String> c = node.fieldNames(); c.hasNext(); ) {
                    String child = c.next();
                    if (!children.contains(child)) {
                        throw FileEntries.unknownKey(yaml, k + "." + child, child, k, children);
                    }
                }
            }
        }
    }

    /** Parses a duration as the settings do (kept for callers outside the table). */
    public static Duration parseDuration(String key, String value) {
        return Parsers.parseDuration(key, value);
    }

    private static String sourceOf(Raw r) {
        return r == null ? "default" : r.source();
    }

    private Path expand(String p) {
        return FileSecrets.expand(in.userHome(), p);
    }

    private static boolean nonEmpty(String s) {
        return s != null && !s.isBlank();
    }
}
