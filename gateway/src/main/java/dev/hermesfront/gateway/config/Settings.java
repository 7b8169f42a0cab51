package dev.hermesfront.gateway.config;

import static dev.hermesfront.gateway.config.Setting.AGENT;
import static dev.hermesfront.gateway.config.Setting.ALL;
import static dev.hermesfront.gateway.config.Setting.Reload.APPLIED;
import static dev.hermesfront.gateway.config.Setting.Reload.CALLER;
import static dev.hermesfront.gateway.config.Setting.Shape.LIST;
import static dev.hermesfront.gateway.config.Setting.Shape.ONE;
import static dev.hermesfront.gateway.config.Setting.Shape.SECRET;
import static dev.hermesfront.gateway.config.Setting.Shape.SWITCH;

import dev.hermesfront.gateway.config.Setting.Command;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The settings table: every scalar and list setting of hermes-front, once. Each row has its YAML key,
 * flag, {@code HERMES_FRONT_*} variable, parser, default and doc line ({@link Setting}). The CLI, the YAML
 * key check, {@code config}'s provenance and the docs test derive from {@link #TABLE}. Two parts of the file
 * are lists of records instead of rows, bound by Jackson: {@code credentials} and {@code peers}
 * ({@link FileEntries}).
 */
public final class Settings {
    private Settings() {}

    private static final Set<Command> RUN = EnumSet.of(Command.DEMO, Command.SERVE, Command.DOCTOR);

    /** The YAML file itself; a flag and a variable only, never a key in the file. */
    public static final Setting<String> CONFIG = new Setting<>("config", "--config", "HERMES_FRONT_CONFIG", "FILE", null,
            Parsers.text("a file name"), "YAML configuration file.", ONE, ALL).withReload(CALLER);

    public static final Setting<InetSocketAddress> LISTEN = new Setting<>("listen", "--listen", "HERMES_FRONT_LISTEN", "HOST:PORT",
            ListenAddress.DEFAULT, Parsers.listen(), "Address to bind. A non-loopback address needs a credential.", ONE, ALL);
    public static final Setting<String> TOKEN = new Setting<>("token", "--token", "HERMES_FRONT_TOKEN", "T", null,
            Parsers.text("a token"), "One token credential named token (?token= on WebSockets, Bearer, X-Hermes-Session-Token); "
            + "default: a random one on loopback only.", SECRET, ALL).withReload(APPLIED);
    public static final Setting<String[]> BASIC_USERS = new Setting<>("basic_users", "--basic-user", "HERMES_FRONT_BASIC_USERS",
            "NAME:PASSWORD", null, Parsers.basicUser(), "HTTP Basic user accepted at the front; repeatable. In the variable, "
            + "separate users with commas and write a comma inside a password as \\,.", LIST, ALL).withReload(APPLIED);
    public static final Setting<String> ALLOWED_HOSTS = new Setting<>("allowed_hosts", "--allowed-host", "HERMES_FRONT_ALLOWED_HOSTS",
            "NAME", null, Parsers.host(), "Host name accepted besides the bind address, e.g. a MagicDNS name; repeatable.", LIST, ALL).withReload(APPLIED);
    public static final Setting<String> ALLOWED_ORIGINS = new Setting<>("allowed_origins", "--allowed-origin",
            "HERMES_FRONT_ALLOWED_ORIGINS", "ORIGIN", null, Parsers.origin(),
            "Cross-origin browser origin allowed (exact), or null / file:// for the desktop app; repeatable.", LIST, ALL).withReload(APPLIED);
    public static final Setting<Long> MAX_BODY_BYTES = new Setting<>("max_body_bytes", "--max-body-bytes", "HERMES_FRONT_MAX_BODY_BYTES",
            "BYTES", "10000000", Parsers.whole(0, Long.MAX_VALUE, "bytes"), "Largest request body proxied; larger gets 413.", ONE, ALL).withReload(APPLIED);
    public static final Setting<Long> MAX_MESSAGE_BYTES = new Setting<>("max_message_bytes", "--max-message-bytes",
            "HERMES_FRONT_MAX_MESSAGE_BYTES", "BYTES", "67108864", Parsers.whole(1024, Integer.MAX_VALUE, "bytes"),
            "Largest client message on /api/ws; larger ones close the connection with 1009.", ONE, ALL);
    public static final Setting<Long> OUTBOUND_HIGH_WATER = new Setting<>("limits.outbound_high_water", "--outbound-high-water",
            "HERMES_FRONT_OUTBOUND_HIGH_WATER", "BYTES", "4194304", Parsers.whole(1024, Long.MAX_VALUE, "bytes"),
            "Bytes (UTF-8) queued towards one /api/ws client before its agent's output is paced.", ONE, ALL);
    public static final Setting<Long> OUTBOUND_LIMIT = new Setting<>("limits.outbound_limit", "--outbound-limit",
            "HERMES_FRONT_OUTBOUND_LIMIT", "BYTES", "67108864", Parsers.whole(1024, Long.MAX_VALUE, "bytes"),
            "Bytes (UTF-8) queued towards one /api/ws client before it is closed with 1013.", ONE, ALL);
    public static final Setting<String> HERMES_HOME = new Setting<>("hermes_home", "--hermes-home", "HERMES_FRONT_HERMES_HOME", "DIR",
            "~/.hermes", Parsers.text("a directory"), "Hermes home whose .env is read (then $HERMES_HOME, then ~/.hermes).", ONE, ALL).withReload(CALLER);

    public static final Setting<URI> API_UPSTREAM = new Setting<>("api.upstream", "--api-upstream", "HERMES_FRONT_API_UPSTREAM", "URL",
            "http://127.0.0.1:${API_SERVER_PORT:-8642}", Parsers.httpUpstream(),
            "API server to proxy /v1, /health, /api/jobs, /api/sessions to, or off (serve: used when a key is found).", ONE, ALL);
    public static final Setting<String> API_KEY = new Setting<>("api.key", "--api-key", "HERMES_FRONT_API_KEY", "KEY", null,
            Parsers.text("a key"), "Key injected as Authorization: Bearer on the API server hop (then $API_SERVER_KEY, then "
            + "$HERMES_HOME/.env).", SECRET, ALL);
    public static final Setting<URI> DASHBOARD_UPSTREAM = new Setting<>("dashboard.upstream", "--dashboard-upstream",
            "HERMES_FRONT_DASHBOARD_UPSTREAM", "URL", "off", Parsers.httpUpstream(),
            "Dashboard to proxy every other path to, e.g. http://127.0.0.1:9119, or off.", ONE, ALL);
    public static final Setting<String> DASHBOARD_TOKEN = new Setting<>("dashboard.token", "--dashboard-token",
            "HERMES_FRONT_DASHBOARD_TOKEN", "T", null, Parsers.text("a token"), "Dashboard session token injected on the dashboard hop "
            + "(then $HERMES_DASHBOARD_SESSION_TOKEN, then .env, else read from the dashboard's page).", SECRET, ALL);
    public static final Setting<Duration> CONNECT_TIMEOUT = new Setting<>("timeouts.connect", "--connect-timeout",
            "HERMES_FRONT_CONNECT_TIMEOUT", "DURATION", "5s", Parsers.duration(Duration.ofMillis(1)),
            "Time to open a loopback connection (API server, dashboard, peers, the dashboard's /api/ws).", ONE, ALL);
    public static final Setting<Duration> RESPONSE_TIMEOUT = new Setting<>("timeouts.response", "--response-timeout",
            "HERMES_FRONT_RESPONSE_TIMEOUT", "DURATION", "30m", Parsers.duration(Duration.ZERO),
            "Wait for an upstream's response headers (a whole non-stream turn); 0 = none.", ONE, ALL);
    public static final Setting<Duration> IDLE_TIMEOUT = new Setting<>("timeouts.idle", "--idle-timeout", "HERMES_FRONT_IDLE_TIMEOUT",
            "DURATION", "2m", Parsers.duration(Duration.ZERO), "Longest silence inside a streamed response; 0 = none.", ONE, ALL);

    public static final Setting<String> AGENT_CMD = new Setting<>("agent.cmd", "--agent-cmd", "HERMES_FRONT_AGENT_CMD", "'CMD ARGS'",
            null, Parsers.text("a command"), "Agent command, split like a shell would but run without one, e.g. "
            + "'python -m tui_gateway.entry' (this or --agent-ws is required).", ONE, AGENT).withReload(CALLER);
    public static final Setting<URI> AGENT_WS = new Setting<>("agent.ws", "--agent-ws", "HERMES_FRONT_AGENT_WS", "URL", null,
            Parsers.wsUrl(), "Bridge each client to a loopback dashboard's /api/ws instead, e.g. ws://127.0.0.1:9119/api/ws; "
            + "dashboard.token is sent on that hop only.", ONE, AGENT).withReload(CALLER);
    public static final Setting<Boolean> AGENT_WS_TICKET = new Setting<>("agent.ws_ticket", "--agent-ws-ticket",
            "HERMES_FRONT_AGENT_WS_TICKET", null, "false", Parsers.bool(), "agent.ws is a gated dashboard: for every dial mint a "
            + "ticket (POST /api/auth/ws-ticket, dashboard.token as Bearer) and present it as the subprotocol pair "
            + "hermes-gateway-v1, hermes-gateway-ticket.T instead of ?token=.", SWITCH, AGENT).withReload(CALLER);
    public static final Setting<String> AGENT_CWD = new Setting<>("agent.cwd", "--agent-cwd", "HERMES_FRONT_AGENT_CWD", "DIR", null,
            Parsers.text("a directory"), "Working directory of the agent (default: the front's).", ONE, AGENT).withReload(CALLER);
    public static final Setting<String[]> AGENT_ENV = new Setting<>("agent.env", "--agent-env", "HERMES_FRONT_AGENT_ENV", "NAME=VALUE",
            null, Parsers.envPair(), "Extra environment for the agent; repeatable (a map or a list in YAML).", LIST, AGENT).withReload(CALLER);
    public static final Setting<Duration> AGENT_STOP_GRACE = new Setting<>("agent.stop_grace", "--agent-stop-grace",
            "HERMES_FRONT_AGENT_STOP_GRACE", "DURATION", "5s", Parsers.duration(Duration.ZERO),
            "Time between closing the agent's stdin and SIGTERM to its process group; SIGKILL 2 s later.", ONE, AGENT).withReload(CALLER);

    public static final Setting<Duration> AGENT_EXIT_DRAIN = new Setting<>("agent.exit_drain", "--agent-exit-drain",
            "HERMES_FRONT_AGENT_EXIT_DRAIN", "DURATION", "4s", Parsers.duration(Duration.ZERO),
            "How long the agent's stdout is still read after its process exits (a child may hold it), before the client gets 1011.",
            ONE, AGENT).withReload(CALLER);
    public static final Setting<Long> AGENT_MAX_LINE_BYTES = new Setting<>("agent.max_line_bytes", "--agent-max-line-bytes",
            "HERMES_FRONT_AGENT_MAX_LINE_BYTES", "BYTES", "268435456", Parsers.whole(1024, Integer.MAX_VALUE, "bytes"),
            "Longest agent stdout line; a longer one is skipped and its request answered -32051.", ONE, AGENT).withReload(CALLER);

    public static final Setting<Duration> PARK_WINDOW = new Setting<>("tui.park_window", "--park-window", "HERMES_FRONT_PARK_WINDOW",
            "DURATION", "2m", Parsers.duration(Duration.ZERO),
            "How long an agent is kept after its client drops, for the client to come back; 0 disables parking.", ONE, ALL);
    public static final Setting<Long> PARK_BUFFER_FRAMES = new Setting<>("tui.park_buffer_frames", "--park-buffer-frames",
            "HERMES_FRONT_PARK_BUFFER_FRAMES", "N", "10000", Parsers.whole(0, Integer.MAX_VALUE, "frames"),
            "Frames kept for a parked agent's client; past it the agent is stopped and the loss reported.", ONE, ALL);
    public static final Setting<Long> PARK_BUFFER_BYTES = new Setting<>("tui.park_buffer_bytes", "--park-buffer-bytes",
            "HERMES_FRONT_PARK_BUFFER_BYTES", "BYTES", "8388608", Parsers.whole(0, Long.MAX_VALUE, "bytes"),
            "Bytes (UTF-8) kept for a parked agent's client.", ONE, ALL);
    public static final Setting<Long> MAX_AGENTS = new Setting<>("tui.max_agents", "--max-agents", "HERMES_FRONT_MAX_AGENTS", "N",
            "1024", Parsers.whole(1, Integer.MAX_VALUE, "agents"),
            "Agents running or parked at once; new connections past it are closed with 1013.", ONE, ALL);
    public static final Setting<Long> AGENTS_PER_CREDENTIAL = new Setting<>("tui.agents_per_credential", "--agents-per-credential",
            "HERMES_FRONT_AGENTS_PER_CREDENTIAL", "N", "4", Parsers.whole(0, Integer.MAX_VALUE, "agents"),
            "Agents (processes of some 60 MB each) one credential may have running or parked at once (1013 past it); "
            + "0: three quarters of tui.max_agents.", ONE, ALL);
    public static final Setting<Long> AGENTS_PER_READ_CREDENTIAL = new Setting<>("tui.agents_per_read_credential",
            "--agents-per-read-credential", "HERMES_FRONT_AGENTS_PER_READ_CREDENTIAL", "N", "1", Parsers.whole(1, Integer.MAX_VALUE, "agents"),
            "Agents a read credential may have at once (it only observes; one agent lists and reads sessions); at most "
            + "tui.agents_per_credential.", ONE, ALL);
    public static final Setting<Long> MEMORY_BUDGET = new Setting<>("tui.memory_budget", "--memory-budget", "HERMES_FRONT_MEMORY_BUDGET",
            "BYTES", "0", Parsers.whole(0, Long.MAX_VALUE, "bytes"),
            "Heap all frames waiting for clients (queues and parking buffers) may hold; past it the oldest parked agent is given "
            + "up, then the largest clients are closed 1013. 0: a quarter of the JVM's maximum heap.", ONE, ALL);
    public static final Setting<Long> SPAWN_BURST = new Setting<>("tui.spawn_burst", "--spawn-burst", "HERMES_FRONT_SPAWN_BURST", "N",
            "8", Parsers.whole(1, Integer.MAX_VALUE, "agents"), "New agents one credential may start in a burst (its local and peer "
            + "routes together).", ONE, ALL);
    public static final Setting<Double> SPAWN_PER_SECOND = new Setting<>("tui.spawn_per_second", "--spawn-per-second",
            "HERMES_FRONT_SPAWN_PER_SECOND", "RATE", "0.5", Parsers.rate(), "New agents one credential may start per second after the burst.",
            ONE, ALL);
    public static final Setting<Long> SHARES_PER_CREDENTIAL = new Setting<>("tui.shares_per_credential", "--shares-per-credential",
            "HERMES_FRONT_SHARES_PER_CREDENTIAL", "N", "100", Parsers.whole(1, 1000, "links"),
            "Live share links one credential may have minted at once (429 past it); below the gateway's 1,000.", ONE, ALL);
    public static final Setting<Long> SHARES_PER_AGENT = new Setting<>("tui.shares_per_agent", "--shares-per-agent",
            "HERMES_FRONT_SHARES_PER_AGENT", "N", "20", Parsers.whole(1, 1000, "links"),
            "Live share links to one agent at once (429 past it).", ONE, ALL);
    public static final Setting<Duration> READY_TIMEOUT = new Setting<>("tui.agent_ready_timeout", "--agent-ready-timeout",
            "HERMES_FRONT_AGENT_READY_TIMEOUT", "DURATION", "60s", Parsers.duration(Duration.ofMillis(1)),
            "How long a new agent may take to send gateway.ready; then the client is closed 1011.", ONE, ALL);
    public static final Setting<Duration> PING_INTERVAL = new Setting<>("tui.ping_interval", "--ping-interval",
            "HERMES_FRONT_PING_INTERVAL", "DURATION", "20s", Parsers.duration(Duration.ZERO),
            "WebSocket pings to non-loopback clients; a client silent for two intervals is closed and its agent parked; 0 disables.",
            ONE, ALL);
    public static final Setting<Boolean> PING_LOOPBACK = new Setting<>("tui.ping_loopback", "--ping-loopback",
            "HERMES_FRONT_PING_LOOPBACK", null, "false", Parsers.bool(), "Ping loopback clients too (upstream's dashboard does not).",
            SWITCH, ALL);
    public static final Setting<Duration> CLIENT_STALL = new Setting<>("tui.client_stall", "--client-stall", "HERMES_FRONT_CLIENT_STALL",
            "DURATION", "30s", Parsers.duration(Duration.ofMillis(1)),
            "How long a client may leave its queue full before it is closed 1013 and its agent parked.", ONE, ALL);

    public static final Setting<String> WS_ENGINE = new Setting<>("tui.ws_engine", "--ws-engine", "HERMES_FRONT_WS_ENGINE", "ENGINE",
            "raw", Parsers.oneOf("raw", "jakarta"), "What frames /api/ws: raw (our own RFC 6455 framing on the upgraded socket, one "
            + "gathering write per IO round) or jakarta (Undertow's Jakarta WebSocket endpoint, the engine before).", ONE, ALL);

    public static final Setting<String> AUDIT_LOG = new Setting<>("audit_log", "--audit-log", "HERMES_FRONT_AUDIT_LOG", "FILE", "off",
            Parsers.text("a file name"), "JSON-lines audit log of connections, privileged calls, denials, auth failures and limits.",
            ONE, ALL);
    public static final Setting<Long> AUDIT_LOG_MAX_BYTES = new Setting<>("audit_log_max_bytes", "--audit-log-max-bytes",
            "HERMES_FRONT_AUDIT_LOG_MAX_BYTES", "BYTES", "10485760", Parsers.whole(1024, Long.MAX_VALUE, "bytes"),
            "Size past which the audit log is rotated.", ONE, ALL);
    public static final Setting<Long> AUDIT_LOG_KEEP = new Setting<>("audit_log_keep", "--audit-log-keep", "HERMES_FRONT_AUDIT_LOG_KEEP",
            "N", "5", Parsers.whole(0, 100, "files"), "Rotated audit files kept.", ONE, ALL);
    public static final Setting<String> RECORD = new Setting<>("record", "--record", "HERMES_FRONT_RECORD", "DIR", "off",
            Parsers.text("a directory"), "Record each /api/ws connection to a JSONL transcript in DIR, secrets redacted.", ONE, RUN).withReload(CALLER);

    public static final Setting<Long> AUTH_FAILURES = new Setting<>("limits.auth_failures", "--auth-failures",
            "HERMES_FRONT_AUTH_FAILURES", "N", "10", Parsers.whole(1, Integer.MAX_VALUE, "failures"),
            "Failed authentications from one address, within limits.auth_window, that lock it out.", ONE, ALL).withReload(APPLIED);
    public static final Setting<Duration> AUTH_WINDOW = new Setting<>("limits.auth_window", "--auth-window", "HERMES_FRONT_AUTH_WINDOW",
            "DURATION", "60s", Parsers.duration(Duration.ofMillis(1)), "How far back failed authentications count.", ONE, ALL).withReload(APPLIED);
    public static final Setting<Duration> LOCKOUT = new Setting<>("limits.lockout", "--lockout", "HERMES_FRONT_LOCKOUT", "DURATION", "5m",
            Parsers.duration(Duration.ofMillis(1)), "How long a lockout lasts (429 with Retry-After for every request from the address).",
            ONE, ALL).withReload(APPLIED);
    public static final Setting<Double> REST_PER_SECOND = new Setting<>("limits.rest_per_second", "--rest-per-second",
            "HERMES_FRONT_REST_PER_SECOND", "RATE", "50", Parsers.rate(), "REST requests per second per credential; over it 429.", ONE, ALL).withReload(APPLIED);
    public static final Setting<Long> REST_BURST = new Setting<>("limits.rest_burst", "--rest-burst", "HERMES_FRONT_REST_BURST", "N",
            "200", Parsers.whole(1, Integer.MAX_VALUE, "requests"), "REST burst per credential.", ONE, ALL).withReload(APPLIED);
    public static final Setting<Double> WS_PER_SECOND = new Setting<>("limits.ws_per_second", "--ws-per-second",
            "HERMES_FRONT_WS_PER_SECOND", "RATE", "200", Parsers.rate(), "/api/ws messages per second per credential; over it -32004.",
            ONE, ALL).withReload(APPLIED);
    public static final Setting<Long> WS_BURST = new Setting<>("limits.ws_burst", "--ws-burst", "HERMES_FRONT_WS_BURST", "N", "2000",
            Parsers.whole(1, Integer.MAX_VALUE, "messages"), "/api/ws message burst per credential.", ONE, ALL).withReload(APPLIED);

    public static final Setting<Long> MAX_CONNECTIONS = new Setting<>("limits.max_connections", "--max-connections",
            "HERMES_FRONT_MAX_CONNECTIONS", "N", "0", Parsers.whole(0, Integer.MAX_VALUE, "connections"),
            "Open client connections at most; one more is closed at once. 0: half the process's file descriptor limit "
            + "(the launcher raises the soft limit to the hard one).", ONE, ALL);
    public static final Setting<Long> CONNECTIONS_PER_ADDRESS = new Setting<>("limits.connections_per_address",
            "--connections-per-address", "HERMES_FRONT_CONNECTIONS_PER_ADDRESS", "N", "256", Parsers.whole(1, Integer.MAX_VALUE,
            "connections"), "Open client connections from one address at most; one more is closed at once (a coordinator or "
            + "a proxy such as Tailscale Serve is one address for all its users).", ONE, ALL);
    public static final Setting<Duration> HANDSHAKE_TIMEOUT = new Setting<>("limits.handshake_timeout", "--handshake-timeout",
            "HERMES_FRONT_HANDSHAKE_TIMEOUT", "DURATION", "10s", Parsers.duration(Duration.ZERO),
            "Time a new connection has to make a request with a credential (REST or the /api/ws upgrade); then it is closed. "
            + "0 = no limit.", ONE, ALL);

    public static final Setting<Double> HEALTH_PER_SECOND = new Setting<>("limits.health_per_second", "--health-per-second",
            "HERMES_FRONT_HEALTH_PER_SECOND", "RATE", "5", Parsers.rate(),
            "Unauthenticated /health and /v1/health requests per second per client address; over it 429.", ONE, ALL).withReload(APPLIED);
    public static final Setting<Long> HEALTH_BURST = new Setting<>("limits.health_burst", "--health-burst", "HERMES_FRONT_HEALTH_BURST",
            "N", "20", Parsers.whole(1, Integer.MAX_VALUE, "requests"), "/health burst per client address.", ONE, ALL).withReload(APPLIED);

    public static final Setting<Long> IO_THREADS = new Setting<>("pools.io_threads", "--io-threads", "HERMES_FRONT_IO_THREADS", "N",
            "cores, at least 2", Parsers.whole(1, 4096, "threads"), "Undertow IO threads (accept, read, write; never block).", ONE, ALL);
    public static final Setting<Long> WORKER_THREADS = new Setting<>("pools.worker_threads", "--worker-threads",
            "HERMES_FRONT_WORKER_THREADS", "N", "64", Parsers.whole(1, 4096, "threads"),
            "Undertow worker threads (WebSocket callbacks, blocking handlers); started before anything queues.", ONE, ALL);
    public static final Setting<Long> TIMER_THREADS = new Setting<>("pools.timer_threads", "--timer-threads", "HERMES_FRONT_TIMER_THREADS",
            "N", "2", Parsers.whole(1, 4096, "threads"), "Threads of the gateway's timers (pings, deadlines, peer probes).", ONE, ALL);
    public static final Setting<Long> CLIENT_THREADS = new Setting<>("pools.client_threads", "--client-threads",
            "HERMES_FRONT_CLIENT_THREADS", "N", "4", Parsers.whole(1, 4096, "threads"),
            "Threads shared by the gateway's outgoing HTTP clients (peers, the dashboard's token); nothing blocks on them.", ONE, ALL);

    public static final Setting<Duration> PEER_PROBE_INTERVAL = new Setting<>("peer_probe_interval", "--peer-probe-interval",
            "HERMES_FRONT_PEER_PROBE_INTERVAL", "DURATION", "15s", Parsers.duration(Duration.ofMillis(1)),
            "Time between health probes of each configured peer.", ONE, ALL).withReload(APPLIED);
    public static final Setting<Duration> PEER_TIMEOUT = new Setting<>("peer_timeout", "--peer-timeout", "HERMES_FRONT_PEER_TIMEOUT",
            "DURATION", "5m", Parsers.duration(Duration.ofMillis(1)),
            "Longest time one peer may take in a fan-out call, unless the peer sets its own timeout.", ONE, ALL).withReload(APPLIED);

    public static final Setting<Cidr> TRUSTED_PROXIES = new Setting<>("trusted_proxies", "--trusted-proxy", "HERMES_FRONT_TRUSTED_PROXIES",
            "CIDR", null, Parsers.cidr(), "Address range of a proxy whose identity_header is believed, e.g. 127.0.0.1/32 for "
            + "Tailscale Serve on this machine; repeatable. From any other address the header is ignored and removed.", LIST, ALL).withReload(APPLIED);
    public static final Setting<String> IDENTITY_HEADER = new Setting<>("identity_header", "--identity-header",
            "HERMES_FRONT_IDENTITY_HEADER", "NAME", "off", Parsers.headerName(), "Header in which a trusted proxy names the user, "
            + "e.g. Tailscale-User-Login; it authenticates as the credential whose identity matches; off = none.", ONE, ALL).withReload(APPLIED);
    public static final Setting<String> LOG_FORMAT = new Setting<>("log_format", "--log-format", "HERMES_FRONT_LOG_FORMAT", "FORMAT",
            "text", Parsers.oneOf("text", "json"), "Log lines on stderr as text, or as one JSON object per line for log shippers (text or json).",
            ONE, ALL).withReload(CALLER);
    public static final Setting<String[]> LOG_LEVELS = new Setting<>("log_levels", "--log-level", "HERMES_FRONT_LOG_LEVELS",
            "LOGGER=LEVEL", null, Parsers.logLevel(), "Level of a logger and the packages under it, e.g. io.undertow=WARN or "
            + "dev.hermesfront.gateway.ws=DEBUG; repeatable.", LIST, ALL).withReload(CALLER);

    public static final Setting<String> TLS_CERT = new Setting<>("tls.cert", "--tls-cert", "HERMES_FRONT_TLS_CERT", "FILE", "off",
            Parsers.text("a file name"), "PEM certificate chain to serve TLS with (e.g. from tailscale cert or Let's Encrypt); with "
            + "tls.key the port speaks https and wss only. Re-read on reload.", ONE, ALL);
    public static final Setting<String> TLS_KEY = new Setting<>("tls.key", "--tls-key", "HERMES_FRONT_TLS_KEY", "FILE", "off",
            Parsers.text("a file name"), "PEM private key of tls.cert (PKCS#8, RSA or EC); keep it 0600. Re-read on reload.", ONE, ALL);
    public static final Setting<Boolean> INSECURE_PLAINTEXT = new Setting<>("insecure_plaintext", "--insecure-plaintext",
            "HERMES_FRONT_INSECURE_PLAINTEXT", null, "false", Parsers.bool(), "Allow plaintext on a non-loopback, non-Tailscale address "
            + "(tokens and transcripts readable on the network); without it such a bind needs tls.cert.", SWITCH, ALL);
    public static final Setting<String> PUBLIC_URL = new Setting<>("public_url", "--public-url", "HERMES_FRONT_PUBLIC_URL", "URL", null,
            Parsers.text("a URL"), "The URL clients reach this front at, for pairing links and notifications, e.g. "
            + "https://box.tail1234.ts.net:9121 (default: from the listen address).", ONE, ALL);
    public static final Setting<String> STATE_DIR = new Setting<>("state_dir", "--state-dir", "HERMES_FRONT_STATE_DIR", "DIR",
            "~/.local/state/hermes-front", Parsers.text("a directory"), "Where the front keeps paired devices (tokens hashed), its "
            + "local admin credential and the generated webhook secret, all 0600.", ONE, ALL);
    public static final Setting<String> NOTIFY_WEBHOOK = new Setting<>("notify.webhook", "--notify-webhook", "HERMES_FRONT_NOTIFY_WEBHOOK",
            "URL", "off", Parsers.text("a URL"), "POST a JSON notification, signed (X-Hermes-Signature: sha256=HMAC), when an agent "
            + "waits for an answer nobody attached can give.", ONE, ALL);
    public static final Setting<String> NOTIFY_NTFY = new Setting<>("notify.ntfy", "--notify-ntfy", "HERMES_FRONT_NOTIFY_NTFY", "URL",
            "off", Parsers.text("a URL"), "POST the same notification as plain text to an ntfy-style topic URL, e.g. "
            + "https://ntfy.sh/my-secret-topic.", ONE, ALL);
    public static final Setting<String> NOTIFY_SECRET = new Setting<>("notify.secret", "--notify-secret", "HERMES_FRONT_NOTIFY_SECRET",
            "KEY", null, Parsers.text("a key"), "HMAC-SHA256 key of notify.webhook's signature (default: one generated in state_dir, "
            + "file notify-secret).", SECRET, ALL);
    public static final Setting<Duration> NOTIFY_AFTER = new Setting<>("notify.after", "--notify-after", "HERMES_FRONT_NOTIFY_AFTER",
            "DURATION", "2m", Parsers.duration(Duration.ofMillis(1)), "How long an attached client may leave the agent's question "
            + "unanswered before a notification goes out (at once when nobody who may answer is attached).", ONE, ALL);

    /** Every row, in the order help and {@code config} show them. */
    public static final List<Setting<?>> TABLE = List.of(CONFIG, LISTEN, TOKEN, BASIC_USERS, ALLOWED_HOSTS, ALLOWED_ORIGINS,
            MAX_BODY_BYTES, MAX_MESSAGE_BYTES, OUTBOUND_HIGH_WATER, OUTBOUND_LIMIT, HERMES_HOME, API_UPSTREAM, API_KEY,
            DASHBOARD_UPSTREAM, DASHBOARD_TOKEN, CONNECT_TIMEOUT, RESPONSE_TIMEOUT, IDLE_TIMEOUT, AGENT_CMD, AGENT_WS, AGENT_WS_TICKET, AGENT_CWD,
            AGENT_ENV, AGENT_STOP_GRACE, AGENT_EXIT_DRAIN, AGENT_MAX_LINE_BYTES, PARK_WINDOW, PARK_BUFFER_FRAMES, PARK_BUFFER_BYTES, MAX_AGENTS, AGENTS_PER_CREDENTIAL, AGENTS_PER_READ_CREDENTIAL, MEMORY_BUDGET, SPAWN_BURST, SPAWN_PER_SECOND,
            SHARES_PER_CREDENTIAL, SHARES_PER_AGENT,
            READY_TIMEOUT, PING_INTERVAL, PING_LOOPBACK, CLIENT_STALL, WS_ENGINE, AUDIT_LOG, AUDIT_LOG_MAX_BYTES, AUDIT_LOG_KEEP, RECORD,
            AUTH_FAILURES, AUTH_WINDOW, LOCKOUT, REST_PER_SECOND, REST_BURST, WS_PER_SECOND, WS_BURST, MAX_CONNECTIONS, CONNECTIONS_PER_ADDRESS, HANDSHAKE_TIMEOUT,
            HEALTH_PER_SECOND, HEALTH_BURST,
            IO_THREADS, WORKER_THREADS, TIMER_THREADS, CLIENT_THREADS, PEER_PROBE_INTERVAL, PEER_TIMEOUT, TRUSTED_PROXIES, IDENTITY_HEADER,
            LOG_FORMAT, LOG_LEVELS, TLS_CERT, TLS_KEY, INSECURE_PLAINTEXT, PUBLIC_URL, STATE_DIR, NOTIFY_WEBHOOK, NOTIFY_NTFY,
            NOTIFY_SECRET, NOTIFY_AFTER);

    /**
     * Typed values by row: the loaded configuration's ({@code ConfigLoader}, which records where each came from) or
     * the rows' own defaults ({@link #DEFAULTS}). The settings records are built from one ({@code TuiSettings.from},
     * {@code LimitSettings.from}, …), so that a record's defaults are the table's.
     */
    public interface Values {
        <T> T get(Setting<T> s);
    }

    /** Every row's default ({@link Setting#defaultValue()}). */
    public static final Values DEFAULTS = new Values() {
        @Override
        public <T> T get(Setting<T> s) {
            return s.defaultValue();
        }
    };

    private static final Map<String, Setting<?>> BY_KEY = index();

    private static Map<String, Setting<?>> index() {
        Map<String, Setting<?>> m = new LinkedHashMap<>();
        Set<String> flags = new java.util.HashSet<>();
        Set<String> envs = new java.util.HashSet<>();
        for (Setting<?> s : TABLE) {
            if (m.put(s.key(), s) != null || !flags.add(s.flag()) || !envs.add(s.env())) {
                throw new IllegalStateException("settings table: " + s.key() + " repeats a key, flag or variable");
            }
        }
        return m;
    }

    /** Returns the row for a YAML key. */
    public static Optional<Setting<?>> byKey(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    /** Returns the rows {@code command} takes. */
    public static List<Setting<?>> forCommand(Command command) {
        return TABLE.stream().filter(s -> s.commands().contains(command)).toList();
    }
}
