package dev.hermesfront.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.hub.AgentHub;
import dev.hermesfront.bridge.hub.AgentRegistry;
import dev.hermesfront.gateway.agents.ShareBook;
import dev.hermesfront.gateway.agents.Sharing;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.config.LimitSettings;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.SecuritySettings;
import dev.hermesfront.gateway.http.AccessLogHandler;
import dev.hermesfront.gateway.http.BodyLimitHandler;
import dev.hermesfront.gateway.http.ChunkedBodyHandler;
import dev.hermesfront.gateway.http.ConnectionCaps;
import dev.hermesfront.gateway.http.CorsHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.http.FrontListener;
import dev.hermesfront.gateway.http.HandlerChain;
import dev.hermesfront.gateway.http.HostGuardHandler;
import dev.hermesfront.gateway.http.HostPolicy;
import dev.hermesfront.gateway.http.LockoutHandler;
import dev.hermesfront.gateway.http.NormalizePathHandler;
import dev.hermesfront.gateway.http.OriginGuardHandler;
import dev.hermesfront.gateway.http.OriginPolicy;
import dev.hermesfront.gateway.http.ProxyIdentityHandler;
import dev.hermesfront.gateway.http.RequestShapeGuardHandler;
import dev.hermesfront.gateway.http.SecurityHeadersHandler;
import dev.hermesfront.gateway.metrics.FrontMetrics;
import dev.hermesfront.gateway.metrics.MetricsHandler;
import dev.hermesfront.gateway.metrics.MetricsRoutes;
import dev.hermesfront.gateway.notify.Notifier;
import dev.hermesfront.gateway.ops.ConfigDiff;
import dev.hermesfront.gateway.ops.ConfigSource;
import dev.hermesfront.gateway.ops.OpsRoutes;
import dev.hermesfront.gateway.ops.Readiness;
import dev.hermesfront.gateway.ops.ReloadReport;
import dev.hermesfront.gateway.pairing.DeviceBook;
import dev.hermesfront.gateway.pairing.LocalCredential;
import dev.hermesfront.gateway.pairing.PairingRoutes;
import dev.hermesfront.gateway.peers.PeerRegistry;
import dev.hermesfront.gateway.policy.AccessPolicy;
import dev.hermesfront.gateway.policy.AuthFailures;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Grant;
import dev.hermesfront.gateway.policy.Guardrails;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.policy.TicketBook;
import dev.hermesfront.gateway.policy.TokenBuckets;
import dev.hermesfront.gateway.routes.ApiRoutes;
import dev.hermesfront.gateway.routes.DashboardRoutes;
import dev.hermesfront.gateway.routes.HealthRoutes;
import dev.hermesfront.gateway.routes.PageRoutes;
import dev.hermesfront.gateway.routes.PeerRoutes;
import dev.hermesfront.gateway.routes.PeerSelector;
import dev.hermesfront.gateway.routes.RouteTable;
import dev.hermesfront.gateway.routes.Routes;
import dev.hermesfront.gateway.routes.TicketRoutes;
import dev.hermesfront.gateway.routes.TuiRoutes;
import dev.hermesfront.gateway.state.StateDir;
import dev.hermesfront.gateway.tls.ListenSecurity;
import dev.hermesfront.gateway.tls.ServerTls;
import dev.hermesfront.gateway.ws.CloseCodes;
import dev.hermesfront.gateway.ws.ConnectionRegistry;
import dev.hermesfront.gateway.ws.PeerLaunchers;
import dev.hermesfront.gateway.ws.TuiEndpointConfigurator;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.websockets.jsr.WebSocketDeploymentInfo;
import jakarta.servlet.ServletException;
import jakarta.websocket.CloseReason;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.xnio.XnioWorker;

/**
 * Assembles and runs the Undertow server: guards, routes, the /api/ws deployment, the REST proxies and
 * the agent launcher. The only place handler chains are built.
 *
 * <p>Every request passes, outermost first ({@link #generation}): access log, security headers, request shape
 * (smuggling, CR/LF), strict chunked bodies, path normalisation (one spelling for routing and policy), the
 * trusted proxy's identity header, lockout, Host allowlist, Origin policy, CORS, body limit; then its route.
 * Every route asks {@link Gate} (one credential per request, one decision, audited). Routes: {@code /front/health}
 * (ours), {@code /api/ws} (the TUI channel; its credential, any one carrier, is checked at the handshake),
 * {@code /api/auth/ws-ticket}, {@code /front/} (the page), {@code /front/agents} (shares), and with an API server
 * {@code /health}, {@code /v1/health} (public, no key, rate limited per address) and {@code /health/detailed},
 * {@code /v1/*}, {@code /api/jobs*}, {@code /api/sessions*}, {@code /p/*} (authenticated); with a dashboard every
 * other path (authenticated, admin). Without an API server {@code /health} is ours. With peers (a coordinator):
 * {@code /peers/NAME/api/ws} (relay, checked at the handshake), {@code /peers/NAME/...} and any request with
 * {@code X-Hermes-Peer: NAME} (to the peer), {@code /v1/fanout/chat/completions}, {@code /api/peers}
 * (authenticated). Always: {@code /metrics} (a {@code metrics} or wider credential), {@code /front/ready}
 * (public; details with a credential), {@code /front/reload} (admin).
 *
 * <p>Reload: what requests are served with (the configuration, the Gate's credentials and guardrails, the
 * peers and the whole handler chain) is one {@link Generation} in an {@link AtomicReference}, built whole and
 * swapped at once by {@link #reload()}; requests in flight finish with the generation they started with.
 * The listener, the /api/ws deployment, parked agents, the launcher and the audit log stay.
 */
public final class GatewayServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GatewayServer.class.getName());
    static final String WS_PATH = "/api/ws";
    /** The /api/ws relay to a peer's /api/ws (coordinator only). */
    static final String PEER_WS_PATH = "/peers/{name}/api/ws";
    /** The front's own health, always served; {@code /health} is the API server's when it is proxied. */
    public static final String FRONT_HEALTH_PATH = "/front/health";

    private final GatewayConfig config;
    private final AgentLauncher launcher;
    private final ConfigSource source;
    private final Pools given;
    private final HubSettings hub;
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private final FrontMetrics metrics = new FrontMetrics();
    private final AtomicReference<Generation> live = new AtomicReference<>();
    /** The one ObjectMapper of the gateway's JSON, agent-facing and its own ({@link AgentJson}); set by the builder. */
    private ObjectMapper mapper;
    private FrontListener listener;
    private DeploymentManager deployment;
    private Pools pools;
    private AgentRegistry agents;
    private Sharing sharing;
    private java.util.concurrent.ScheduledFuture<?> shareSweep;
    private java.time.Clock shareClock = java.time.Clock.systemUTC();
    private ScheduledExecutorService timers;
    private Guardrails guard;
    private Gate gate;
    private HttpClient httpClient;
    private HttpHandler wsHandler;
    private Readiness readiness;
    /** The web page's files, read once. */
    private PageRoutes pages;
    /** The listener's TLS (re-read on reload), or null for plaintext. */
    private ServerTls tls;
    /** Paired devices and pairing codes. */
    private DeviceBook devices;
    /** The state directory's admin credential for hermes-front pair and devices on this machine, or null without one. */
    private dev.hermesfront.gateway.config.Credential local;

    /**
     * What requests are served with, swapped whole on reload.
     *
     * @param config  the effective configuration
     * @param rules   the Gate's credentials and guardrails
     * @param peers   the coordinator's peers (empty registry without peers)
     * @param handler the handler chain below the metrics handler
     * @param routes  every route of the router, with what it needs
     */
    private record Generation(GatewayConfig config, Gate.Rules rules, PeerRegistry peers, HttpHandler handler,
                              List<RouteTable.Route> routes) {}

    /** Returns a builder of a server for {@code config} in front of {@code launcher}. */
    public static Builder builder(GatewayConfig config, AgentLauncher launcher) {
        return new Builder(config, launcher);
    }

    /** What a server is made of besides its configuration and launcher; every part has a default. */
    public static final class Builder {
        private final GatewayConfig config;
        private final AgentLauncher launcher;
        private ConfigSource source = ConfigSource.NONE;
        private HubSettings hub = HubSettings.defaults();
        private Pools pools;
        private ObjectMapper json;

        private Builder(GatewayConfig config, AgentLauncher launcher) {
            this.config = config;
            this.launcher = launcher;
        }

        /** Re-reads the configuration on {@link #reload()} (SIGHUP, {@code POST /front/reload}); default: none. */
        public Builder source(ConfigSource s) {
            this.source = s;
            return this;
        }

        /** Shared agents, share links and the memory budget; default {@link HubSettings#defaults()}. */
        public Builder hub(HubSettings h) {
            this.hub = h;
            return this;
        }

        /**
         * The pools the launcher may already dial with ({@link Pools#ws}); default: made at {@link #start}. The server
         * closes them when it closes.
         */
        public Builder pools(Pools p) {
            this.pools = p;
            return this;
        }

        /** The gateway's one ObjectMapper (made by {@link AgentJson#newMapper()}), shared with the launcher; default: a new one. */
        public Builder json(ObjectMapper m) {
            this.json = m;
            return this;
        }

        /** Returns the server, not started. */
        public GatewayServer build() {
            GatewayServer s = new GatewayServer(config, launcher, source, hub, pools);
            s.mapper = json != null ? json : AgentJson.newMapper();
            return s;
        }
    }

    /**
     * @param source re-reads the configuration on {@link #reload()} (SIGHUP, {@code POST /front/reload})
     * @param hub    shared agents, share links and the memory budget
     * @param pools  the pools the launcher may already dial with ({@link Pools#ws}); null makes them at {@link #start}.
     *               The server closes them when it closes.
     */
    private GatewayServer(GatewayConfig config, AgentLauncher launcher, ConfigSource source, HubSettings hub, Pools pools) {
        this.config = config;
        this.launcher = launcher;
        this.source = source;
        // The settings table's values (tui.memory_budget, tui.agents_per_credential) win over the given defaults; 0 keeps them.
        HubSettings h = hub;
        if (config.tui().memoryBudgetBytes() > 0) {
            h = h.withMemoryBudget(config.tui().memoryBudgetBytes());
        }
        if (config.tui().agentsPerCredential() > 0) {
            h = h.withAgentsPerCredential(config.tui().agentsPerCredential());
        }
        // The share link caps are rows too (tui.shares_per_credential, tui.shares_per_agent): the stricter of those and the given ones.
        h = h.withShareCaps(Math.min(config.tui().sharesPerCredential(), h.sharesPerCredential()),
                Math.min(config.tui().sharesPerAgent(), h.sharesPerAgent()));
        this.hub = h;
        this.given = pools;
    }

    /** Sets the clock share links expire by (tests); call before {@link #start}. */
    public GatewayServer shareClock(java.time.Clock clock) {
        this.shareClock = clock;
        return this;
    }

    /** Binds and starts serving; throws when the address cannot be bound. */
    public GatewayServer start() throws ServletException, java.io.IOException {
        tls = listenerTls(config);
        pools = given != null ? given : Pools.start(config.pools());
        XnioWorker worker = pools.worker();
        FrameCodec codec = new FrameCodec(config.limits().maxMessageBytes());
        guard = Guardrails.from(config.security());
        ObjectMapper agentJson = mapper;
        agents = new AgentRegistry(config.tui().parking(), agentJson, codec, new MemoryBudget(hub.memoryBudgetBytes()));
        sharing = new Sharing(agents, hub, agentJson, shareClock);
        timers = pools.timers();
        PeerLaunchers relays = new PeerLaunchers() {
            @Override
            public Optional<AgentLauncher> launcher(String name) {
                return live.get().peers().find(name).flatMap(PeerRegistry.Peer::wsLauncher);
            }

            @Override
            public Optional<AgentLauncher> launcher(String name, String onBehalf) {
                return live.get().peers().find(name).map(p -> p.wsLauncher(onBehalf));
            }

            @Override
            public String refusal(String name) {
                return live.get().peers().find(name).map(PeerRegistry.Peer::refusal).orElse(null);
            }
        };
        gate = new Gate(() -> live.get().rules(), TicketBook.defaults(), sharing.shares(), metrics);
        Optional<StateDir> state = config.remote().stateDir().isPresent() ? Optional.of(StateDir.open(config.remote().stateDir().get()))
                : Optional.empty();
        if (state.isPresent()) {
            local = LocalCredential.of(state.get());
        }
        devices = DeviceBook.open(state, () -> live.get().rules().credentials(), gate.grants(), mapper, java.time.Clock.systemUTC());
        gate.acceptDevices(devices);
        timers.scheduleWithFixedDelay(devices::flushDirty, 60, 60, java.util.concurrent.TimeUnit.SECONDS);
        registry.validateWith(this::verdict);
        // Stored sessions are kept apart by principal as soon as there are two: two credentials, a credential that
        // delegates (its users coord/alice, coord/bob are principals of their own) or a paired device (one credential:
        // the operator's own home and sessions, unchanged); the sessions nobody claimed are for admins.
        // The state directory's local admin credential (hermes-front pair) is the operator, not another principal.
        agents.storedSessions().policy(() -> live.get().rules().credentials().all().stream().filter(c -> c != local)
                .map(c -> c.name()).distinct().count() > 1
                || !live.get().rules().credentials().delegating().isEmpty() || !devices.all().isEmpty(),
                source -> Grant.Ref.parse(source).flatMap(gate.grants()::current).map(x -> x == Scope.ADMIN).orElse(false),
                source -> Grant.Ref.parse(source).flatMap(gate.grants()::current).isPresent());
        shareSweep = timers.scheduleWithFixedDelay(this::expireShares, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        TuiEndpointConfigurator configurator = new TuiEndpointConfigurator(config, codec, agentJson, launcher, registry, agents, hub, timers,
                guard, gate, relays, metrics);
        // The raw engine (tui.ws_engine = raw, the default) upgrades by itself: the servlet/Jakarta WebSocket deployment is
        // built only for the jakarta engine, which saves its start-up (issue 22: launch to accepting) and its memory.
        if (config.tui().rawEngine()) {
            wsHandler = configurator.rawUpgrade(pools.buffers());
        } else {
            WebSocketDeploymentInfo ws = new WebSocketDeploymentInfo()
                    .setWorker(worker)
                    .setBuffers(pools.buffers())
                    .setDispatchToWorkerThread(true)
                    .addEndpoint(configurator.endpointConfig(WS_PATH))
                    .addEndpoint(configurator.endpointConfig(PEER_WS_PATH));
            DeploymentInfo info = Servlets.deployment()
                    .setClassLoader(GatewayServer.class.getClassLoader())
                    .setContextPath("/")
                    .setDeploymentName("hermes-front-ws")
                    // Keep the security context TuiHandshakeHandler set: the endpoint reads the identity from it.
                    .setInitialSecurityWrapper(h -> h)
                    .addServletContextAttribute(WebSocketDeploymentInfo.ATTRIBUTE_NAME, ws);
            deployment = Servlets.defaultContainer().addDeployment(info);
            deployment.deploy();
            HttpHandler deployed = deployment.start();
            // The deployment's context is "/": it matches endpoints on the full path, which PathHandler shortened.
            wsHandler = ex -> {
                ex.setRelativePath(ex.getRequestPath());
                deployed.handleRequest(ex);
            };
        }
        if (config.upstreams().dashboard().isPresent()) {
            // HTTP/2 preferred, the JDK's default, as this client always had.
            httpClient = pools.http(config.upstreams().dashboard().get().connectTimeout()).version(HttpClient.Version.HTTP_2).build();
        }
        pages = PageRoutes.fromClasspath();
        readiness = new Readiness(launcher, config.tui().readyTimeout(), () -> live.get().config(), () -> live.get().peers().all(),
                () -> pools.http(Readiness.TIMEOUT).build());
        live.set(generation(config, new Gate.Rules(withLocal(config.auth().credentials()), guard), null));
        metrics.gauge("hermes.front.ws.clients", "Attached /api/ws clients", registry::size);
        metrics.gauge("hermes.front.agents.parked", "Agents parked, waiting for their client to come back", agents::parkedCount);
        metrics.gauge("hermes.front.agents", "Agents alive (running or parked)", configurator::agents);
        metrics.counted("hermes.front.audit.dropped", "Audit lines dropped because the audit queue was full", guard.audit()::dropped);
        metrics.peers(live.get().peers().all());
        HttpHandler root = new MetricsHandler(metrics, ex -> live.get().handler().handleRequest(ex));

        InetSocketAddress listen = config.listen().address();
        LimitSettings lim = config.limits();
        listener = FrontListener.open(worker, listen, root, lim.maxBodyBytes(), new FrontListener.Caps(
                lim.maxConnections() > 0 ? lim.maxConnections() : ConnectionCaps.defaultTotal(), lim.connectionsPerAddress(),
                lim.handshakeTimeout()), tls == null ? null : tls.context());
        metrics.counted("hermes.front.connections.refused", "New connections closed at once: over the per-address or total cap",
                listener.caps()::refusedOverCap);
        metrics.counted("hermes.front.connections.unauthenticated.closed", "Connections closed for making no request with a "
                + "credential within limits.handshake_timeout", listener.caps()::closedUncredentialed);
        watchRequests();
        LOG.log(System.Logger.Level.INFO, "hermes-front listening on {0}:{1,number,#}{5} (agent: {2}; API server: {3}; dashboard: {4})",
                listen.getAddress().getHostAddress(), port(), launcher.kind(),
                config.upstreams().api().map(a -> a.uri().toString()).orElse("off"),
                config.upstreams().dashboard().map(d -> d.uri().toString()).orElse("off"),
                tls == null ? "" : " with TLS (" + tls.describe() + ")");
        return this;
    }

    /**
     * Loads the listener's certificate, and refuses a plaintext bind that anyone on the network could read
     * ({@link ListenSecurity}): not loopback, not a Tailscale address, no {@code insecure_plaintext}.
     */
    private static ServerTls listenerTls(GatewayConfig cfg) {
        ServerTls t = null;
        if (cfg.remote().tls()) {
            try {
                t = ServerTls.load(cfg.remote().tlsCert().get(), cfg.remote().tlsKey().get());
            } catch (java.io.IOException e) {
                throw new ConfigException("tls.cert: " + e.getMessage());
            }
        }
        InetSocketAddress a = cfg.listen().address();
        if (ListenSecurity.of(a, t != null, cfg.remote().insecurePlaintext()) == ListenSecurity.REFUSED) {
            throw new ConfigException(ListenSecurity.refusal(dev.hermesfront.gateway.config.ListenAddress.format(a)));
        }
        return t;
    }

    /**
     * Registers the {@link Notifier} with the agents when {@code notify.webhook} or {@code notify.ntfy} is set. The
     * webhook's key is {@code notify.secret}, else the state directory's {@code notify-secret} (made 0600 on first use).
     */
    private void watchRequests() throws java.io.IOException {
        var n = config.remote().notifications();
        if (!n.enabled()) {
            return;
        }
        String key;
        if (n.secret().isPresent()) {
            key = n.secret().get().reveal();
        } else if (config.remote().stateDir().isPresent()) {
            key = StateDir.open(config.remote().stateDir().get()).secret("notify-secret");
        } else {
            key = GatewayMain.randomToken();
            LOG.log(System.Logger.Level.WARNING, "notify.webhook: no notify.secret and no state_dir; signing with a key made for this run");
        }
        HttpClient client = pools.http(config.upstreams().connect()).build();
        Notifier notifier = new Notifier(n, key, machineName(), publicUrl().resolve("/front/"), timers, pools.client(), client, guard.audit(),
                mapper,
                java.time.Clock.systemUTC(), Duration.ofSeconds(1));
        agents.watchRequests(notifier);
        LOG.log(System.Logger.Level.INFO, "notifying {0} when an agent waits for someone", String.join(" and ",
                n.webhook().map(u -> "the webhook").orElse(""), n.ntfy().map(u -> "the ntfy topic").orElse("")).replaceAll("^ and | and $", ""));
    }

    /** Returns this machine's name for notifications ({@code HOSTNAME}-independent; "this machine" when unknown). */
    static String machineName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "this machine";
        }
    }

    /**
     * Returns the URL clients reach this front at: {@code public_url}, else the scheme of the listener and the bind
     * address (for a wildcard bind, the first allowed host or this machine's name) with the bound port.
     */
    public java.net.URI publicUrl() {
        if (config.remote().publicUrl().isPresent()) {
            return config.remote().publicUrl().get();
        }
        java.net.InetAddress a = config.listen().address().getAddress();
        String host;
        if (a.isAnyLocalAddress()) {
            host = config.listen().allowedHosts().stream().findFirst().orElseGet(GatewayServer::machineName);
        } else {
            host = a.getHostAddress().contains(":") ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        }
        return java.net.URI.create((tls != null ? "https" : "http") + "://" + host + ":" + port());
    }

    /** Adds the state directory's local admin credential ({@link LocalCredential}) to the configured ones. */
    private dev.hermesfront.gateway.config.Credentials withLocal(dev.hermesfront.gateway.config.Credentials configured) {
        return LocalCredential.with(configured, local);
    }

    /** Returns the paired devices. */
    public DeviceBook devices() {
        return devices;
    }

    /** Returns true when the listener speaks TLS (https, wss). */
    public boolean secure() {
        return tls != null;
    }

    /**
     * Builds what requests are served with from {@code cfg}: routes and guards; the peers are those of
     * {@code previous} when the peer map did not change, else new ones (started).
     */
    private Generation generation(GatewayConfig cfg, Gate.Rules rules, Generation previous) {
        PeerRegistry peers = previous != null && ConfigDiff.samePeers(previous.config().peers(), cfg.peers()) ? previous.peers()
                : new PeerRegistry(cfg.peers(), cfg.upstreams().connect(), cfg.upstreams().idle(), mapper, timers, () -> pools.http(cfg.upstreams().connect()).build(),
                pools.ws(), cfg.limits().maxMessageBytes());
        boolean basic = cfg.auth().credentials().hasBasic();
        TuiRoutes tui = new TuiRoutes(gate, wsHandler);
        List<Routes> concerns = new ArrayList<>();
        concerns.add(new HealthRoutes(launcher.kind(), registry::size, cfg.upstreams().api().isPresent()));
        concerns.add(tui);
        concerns.add(new TicketRoutes(gate, basic));
        concerns.add(sharing.routes(gate, basic));
        concerns.add(pages);
        concerns.add(new MetricsRoutes(metrics, gate, basic));
        concerns.add(new OpsRoutes(readiness, this::reload, gate, basic, mapper));
        concerns.add(new PairingRoutes(devices, gate, basic, mapper, this::publicUrl, name -> revalidate("revocation of device " + name)));
        PeerSelector selector = PeerSelector.NONE;
        if (!peers.isEmpty()) {
            PeerRoutes peerRoutes = new PeerRoutes(peers, gate, basic, tui.handshake());
            selector = peerRoutes.selector();
            concerns.add(peerRoutes);
        }
        if (cfg.upstreams().api().isPresent()) {
            concerns.add(new ApiRoutes(cfg.upstreams().api().get(), cfg.security(), gate, basic, selector, agents.storedSessions()::enabled));
        }
        if (cfg.upstreams().dashboard().isPresent()) {
            concerns.add(new DashboardRoutes(cfg.upstreams().dashboard().get(), httpClient, gate, basic, selector));
        }
        PathHandler routes = Handlers.path(selector.wrap(ex -> ErrorResponses.send(ex, 404, "not_found", "no such route")));
        RouteTable table = new RouteTable(routes);
        concerns.forEach(c -> c.register(table));
        HostPolicy hosts = new HostPolicy(cfg.listen().address(), cfg.listen().allowedHosts());
        OriginPolicy origins = new OriginPolicy(cfg.listen().allowedOrigins());
        Guardrails g = rules.guard();
        HttpHandler handler = HandlerChain.of(routes,
                AccessLogHandler::new,
                SecurityHeadersHandler::new,
                RequestShapeGuardHandler::new,
                ChunkedBodyHandler::new,
                NormalizePathHandler::new,
                next -> new ProxyIdentityHandler(() -> cfg.auth().proxy(), next),
                next -> new LockoutHandler(g, next),
                next -> new HostGuardHandler(hosts, next),
                next -> new OriginGuardHandler(origins, next),
                next -> new CorsHandler(origins, next),
                next -> new BodyLimitHandler(cfg.limits().maxBodyBytes(), next));
        if (peers != (previous == null ? null : previous.peers())) {
            peers.start();
        }
        return new Generation(cfg, rules, peers, handler, table.routes());
    }

    /**
     * Re-reads the configuration and applies it in place as {@link ConfigDiff} decides from the settings table's rows
     * (each row says whether it is applied or needs a restart: {@code Setting.reload()}), plus the credentials and peers.
     * The guardrails' counters are kept where their settings did not change. Clients whose credential was removed
     * are closed with 4401 (their agent stopped), narrowed ones with 4403; both are audited. Settings that
     * need a restart keep their running value and are reported. A configuration error changes nothing.
     */
    public synchronized ReloadReport reload() {
        ConfigSource.Fresh fresh;
        try {
            fresh = source.load();
        } catch (ConfigException e) {
            metrics.reload("failed");
            LOG.log(System.Logger.Level.WARNING, "configuration reload refused: {0}", e.getMessage());
            return ReloadReport.refused(e.getMessage());
        }
        Generation cur = live.get();
        ConfigDiff.Result d = ConfigDiff.of(cur.config(), fresh.gateway());
        Guardrails g = cur.rules().guard();
        SecuritySettings was = cur.config().security();
        SecuritySettings now = d.effective().security();
        Guardrails ng = new Guardrails(AccessPolicy.builtIn(), g.audit(),
                ConfigDiff.sameLockout(was, now) ? g.failures() : new AuthFailures(now.authFailures(), now.authWindow(), now.lockout(),
                        System::nanoTime),
                was.restBurst() == now.restBurst() && was.restPerSecond() == now.restPerSecond() ? g.rest()
                        : new TokenBuckets(now.restBurst(), now.restPerSecond(), System::nanoTime),
                was.wsBurst() == now.wsBurst() && was.wsPerSecond() == now.wsPerSecond() ? g.ws()
                        : new TokenBuckets(now.wsBurst(), now.wsPerSecond(), System::nanoTime));
        Generation next;
        try {
            next = generation(d.effective(), new Gate.Rules(withLocal(d.effective().auth().credentials()), ng), cur);
        } catch (RuntimeException e) {
            metrics.reload("failed");
            LOG.log(System.Logger.Level.WARNING, "configuration reload refused: {0}", e.getMessage());
            return ReloadReport.refused(e.getMessage());
        }
        live.set(next);
        if (next.peers() != cur.peers()) {
            cur.peers().close();
            metrics.peers(next.peers().all());
        }
        // Re-validate, never diff: everything derived from the old decision is checked against the new generation.
        List<String> closed = revalidate("configuration reload");
        List<String> restart = new ArrayList<>(d.restartNeeded());
        restart.addAll(fresh.restartNeeded());
        List<String> applied = new ArrayList<>(d.applied());
        if (tls != null) {
            try {
                if (tls.reload()) {
                    applied.add("tls.cert");
                    LOG.log(System.Logger.Level.INFO, "serving a new certificate: {0}", tls.describe());
                }
            } catch (java.io.IOException e) {
                restart.add("tls.cert (kept the running certificate: " + e.getMessage() + ")");
                LOG.log(System.Logger.Level.WARNING, "certificate not reloaded, the running one stays: {0}", e.getMessage());
            }
        }
        ReloadReport report = new ReloadReport(true, applied, restart, closed, null);
        metrics.reload("applied");
        g.audit().event("config_reloaded").with("changed", String.join(",", applied)).with("restart_needed", String.join(",", restart))
                .with("closed", closed.size()).with("outcome", "applied").write();
        LOG.log(System.Logger.Level.INFO, report.summary());
        return report;
    }

    /**
     * Checks everything that derives authority from the configuration against the current generation (issue 21):
     * share links whose minter is gone are buried; every connection is checked with {@link #verdict} (4401 when the
     * source of its grant is gone, its agent then stopped; 4403 when its scope is now below the one it was admitted
     * with, or its link is dead); every agent, parked or running, whose owner's source is gone is stopped. Audited.
     *
     * @return what was closed or stopped, {@code name:code} / {@code name:stopped}
     */
    private List<String> revalidate(String why) {
        List<String> closed = new ArrayList<>();
        for (ShareBook.Share s : sharing.shares().revalidate(gate.grants()::alive)) {
            gate.audit().event("share_revoked").with("credential", s.mintedBy()).with("agent", s.agent()).with("share", s.id())
                    .with("outcome", "revoked").with("reason", "its minter was removed by a " + why).write();
        }
        for (Identity who : registry.revalidate()) {
            closed.add(who.name() + ":" + (gate.effective(who).isEmpty() ? 4401 : 4403));
        }
        int stopped = 0;
        for (AgentHub h : agents.all()) {
            Optional<Grant.Ref> owner = Grant.Ref.parse(h.owner().source());
            if (h.ended() || (owner.isPresent() && gate.grants().current(owner.get()).isPresent())) {
                continue;
            }
            boolean parked = h.parked();
            gate.audit().event("ws_revoked").with("credential", h.owner().credential()).with("agent", h.id()).with("code", 4401)
                    .with("outcome", "stopped").with("reason", (parked ? "parked " : "") + "agent of a credential removed by a " + why)
                    .write();
            h.end("its credential was removed by a " + why);
            closed.add(h.owner().credential() + (parked ? ":parked" : ":stopped"));
            stopped++;
        }
        if (stopped > 0) {
            LOG.log(System.Logger.Level.INFO, "stopped {0} agent(s) of removed credentials", stopped);
        }
        return closed;
    }

    /**
     * Decides whether a connection's authority still stands in the current generation: null keeps it; 4401 when the
     * source of its grant is gone (removed, or re-added with another secret); 4403 when its effective scope is now
     * below the scope it was admitted with (narrowed: it reconnects at the lower scope), or its share link expired or
     * was revoked. Audited when it closes.
     */
    private CloseReason verdict(Identity who) {
        Optional<Scope> now = gate.effective(who);
        int code;
        String why;
        if (now.isPresent()) {
            if (now.get().covers(who.scope())) {
                return null;
            }
            code = CloseCodes.FORBIDDEN;
            why = "narrowed by a configuration change (now " + now.get().label() + ")";
        } else if (who.grant().kind() == Grant.Kind.DEVICE && !devices.isPaired(who.grant().id())) {
            code = CloseCodes.FORBIDDEN;
            why = "device revoked";
        } else if (who.grant().kind() == Grant.Kind.SHARE && gate.grants().current(who.grant().source()).isPresent()) {
            // The minter stands: the link itself died.
            code = CloseCodes.FORBIDDEN;
            why = sharing.shares().expired(who.grant().id()) ? "share link expired" : "share link revoked";
        } else {
            code = CloseCodes.UNAUTHORIZED;
            why = "the credential it was granted by was removed";
        }
        gate.audit().event("ws_revoked").with("credential", who.name()).with("via", who.via()).with("code", code)
                .with("outcome", "closed").with("reason", why).write();
        return new CloseReason(CloseReason.CloseCodes.getCloseCode(code), why.startsWith("share link") ? why
                : (code == CloseCodes.UNAUTHORIZED ? "unauthorized: " : "forbidden: ") + why);
    }

    /** Closes the clients of share links that expired (4403 {@code share link expired}); runs every second. */
    private void expireShares() {
        for (ShareBook.Share s : sharing.shares().expireDue()) {
            int n = agents.find(s.agent()).map(h -> h.closeShare(s.id(), CloseCodes.FORBIDDEN, "share link expired")).orElse(0);
            if (n > 0) {
                gate.audit().event("share_expired").with("agent", s.agent()).with("share", s.id()).with("clients_closed", n)
                        .with("outcome", "closed").write();
            }
        }
    }

    /** Returns this server's metrics. */
    public FrontMetrics metrics() {
        return metrics;
    }

    /** Returns the routes requests are dispatched by now, each with what it needs (RouteScopesTest). */
    public List<RouteTable.Route> routes() {
        return live.get().routes();
    }

    /** Returns the configuration requests are served with now. */
    public GatewayConfig running() {
        return live.get().config();
    }

    /** Returns the bound port (useful with port 0). */
    public int port() {
        return listener.address().getPort();
    }

    /** Returns the number of parked agents. */
    public int parked() {
        return agents.parkedCount();
    }

    /** Returns the agents (running and parked) and the memory budget they draw on. */
    public AgentRegistry agents() {
        return agents;
    }

    /** Returns the number of attached /api/ws clients. */
    public int connections() {
        return registry.size();
    }

    /**
     * Stops accepting, closes clients with 1001, stops agents (stdin closed, grace, kill) and the
     * server, within a bounded time.
     */
    @Override
    public void close() {
        if (listener == null) {
            return;
        }
        shareSweep.cancel(false);
        registry.shutdownAll();
        try {
            // Let clients finish the 1001 close handshake while the IO threads still run (bounded).
            registry.awaitEmpty(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        live.get().peers().close();
        agents.close();
        launcher.close();
        try {
            if (deployment != null) {
                deployment.stop();
                deployment.undeploy();
            }
        } catch (ServletException e) {
            LOG.log(System.Logger.Level.DEBUG, "undeploy: {0}", e.getMessage());
        }
        listener.close();
        if (devices != null) {
            devices.flushDirty();
        }
        guard.close();
        pools.close();
        metrics.close();
        listener = null;
    }
}
