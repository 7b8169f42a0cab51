package dev.hermesfront.gateway;

import dev.hermesfront.gateway.http.NormalizePathHandler;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.TicketBook;
import dev.hermesfront.gateway.routes.ApiRoutes;
import dev.hermesfront.gateway.routes.DashboardRoutes;
import dev.hermesfront.gateway.routes.HealthRoutes;
import dev.hermesfront.gateway.routes.PageRoutes;
import dev.hermesfront.gateway.routes.PeerRoutes;
import dev.hermesfront.gateway.routes.PeerSelector;
import dev.hermesfront.gateway.routes.Routes;
import dev.hermesfront.gateway.routes.TicketRoutes;
import dev.hermesfront.gateway.routes.TuiRoutes;
import java.util.ArrayList;
import java.util.List;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.hub.AgentRegistry;
import dev.hermesfront.gateway.agents.HubSettings;
import dev.hermesfront.gateway.agents.Sharing;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.gateway.http.AccessLogHandler;
import dev.hermesfront.gateway.http.BodyLimitHandler;
import dev.hermesfront.gateway.http.CorsHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.http.HandlerChain;
import dev.hermesfront.gateway.http.HostGuardHandler;
import dev.hermesfront.gateway.http.HostPolicy;
import dev.hermesfront.gateway.http.OriginGuardHandler;
import dev.hermesfront.gateway.http.OriginPolicy;
import dev.hermesfront.gateway.http.RequestShapeGuardHandler;
import dev.hermesfront.gateway.http.LockoutHandler;
import dev.hermesfront.gateway.policy.Guardrails;
import dev.hermesfront.gateway.ws.ConnectionRegistry;
import dev.hermesfront.gateway.ws.TuiEndpointConfigurator;
import dev.hermesfront.gateway.ws.PeerLaunchers;
import dev.hermesfront.gateway.peers.PeerRegistry;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.UpstreamConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import dev.hermesfront.protocol.codec.FrameCodec;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.websockets.jsr.WebSocketDeploymentInfo;
import jakarta.servlet.ServletException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * Assembles and runs the Undertow server: guards, routes, the /api/ws deployment, the REST proxies and
 * the agent launcher. The only place handler chains are built.
 *
 * <p>Every request passes, outermost first: access log, request shape (smuggling, CR/LF), Host
 * allowlist, Origin policy, CORS, body limit; then its route. Routes: {@code /front/health} (ours),
 * {@code /api/ws} (the TUI channel, token checked by the endpoint), and with an API server
 * {@code /health}, {@code /v1/health} (public) and {@code /health/detailed}, {@code /v1/*},
 * {@code /api/jobs*}, {@code /api/sessions*} (authenticated); with a dashboard every other path
 * (authenticated). Without an API server {@code /health} is ours. With peers (a coordinator):
 * {@code /peers/NAME/api/ws} (relay, token checked by the endpoint), {@code /peers/NAME/...} and any
 * request with {@code X-Hermes-Peer: NAME} (to the peer), {@code /v1/fanout/chat/completions},
 * {@code /api/peers} (authenticated).
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
    private final HubSettings hub;
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private Undertow undertow;
    private DeploymentManager deployment;
    private XnioWorker worker;
    private AgentRegistry agents;
    private ScheduledExecutorService timers;
    private Guardrails guard;
    private Gate gate;
    private HttpClient httpClient;
    private PeerRegistry peers;

    public GatewayServer(GatewayConfig config, AgentLauncher launcher) {
        this(config, launcher, HubSettings.defaults());
    }

    /** Creates a server whose shared agents, share links and memory budget follow {@code hub}. */
    public GatewayServer(GatewayConfig config, AgentLauncher launcher, HubSettings hub) {
        this.config = config;
        this.launcher = launcher;
        this.hub = hub;
    }

    /** Binds and starts serving; throws when the address cannot be bound. */
    public GatewayServer start() throws ServletException, java.io.IOException {
        worker = Xnio.getInstance().createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, Math.max(2, Runtime.getRuntime().availableProcessors()))
                .set(Options.WORKER_TASK_CORE_THREADS, 16)
                .set(Options.WORKER_TASK_MAX_THREADS, 64)
                .set(Options.TCP_NODELAY, true)
                .set(Options.WORKER_NAME, "hermes-front")
                .getMap());
        FrameCodec codec = new FrameCodec(config.limits().maxMessageBytes());
        guard = Guardrails.from(config.security());
        ObjectMapper agentJson = AgentJson.newMapper();
        agents = new AgentRegistry(config.tui().parking(), agentJson, codec, new MemoryBudget(hub.memoryBudgetBytes()));
        Sharing sharing = new Sharing(agents, hub, agentJson, java.time.Clock.systemUTC());
        timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gateway-timers");
            t.setDaemon(true);
            return t;
        });
        peers = new PeerRegistry(config.peers(), config.upstreams().connect(), config.upstreams().idle(), new ObjectMapper(), timers);
        PeerLaunchers relays = new PeerLaunchers() {
            @Override
            public Optional<AgentLauncher> launcher(String name) {
                return peers.find(name).flatMap(PeerRegistry.Peer::wsLauncher);
            }

            @Override
            public String refusal(String name) {
                return peers.find(name).map(PeerRegistry.Peer::refusal).orElse(null);
            }
        };
        gate = new Gate(config.auth().credentials(), guard, TicketBook.defaults(), sharing.shares());
        TuiEndpointConfigurator configurator = new TuiEndpointConfigurator(config, codec, agentJson, launcher, registry, agents, hub, timers,
                guard, gate, relays);
        WebSocketDeploymentInfo ws = new WebSocketDeploymentInfo()
                .setWorker(worker)
                .setBuffers(new DefaultByteBufferPool(true, 16 * 1024))
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
        HttpHandler wsHandler = ex -> {
            ex.setRelativePath(ex.getRequestPath());
            deployed.handleRequest(ex);
        };

        boolean basic = config.auth().credentials().hasBasic();
        TuiRoutes tui = new TuiRoutes(gate, wsHandler);
        List<Routes> concerns = new ArrayList<>();
        concerns.add(new HealthRoutes(launcher.kind(), registry::size, config.upstreams().api().isPresent()));
        concerns.add(tui);
        concerns.add(new TicketRoutes(gate, basic));
        concerns.add(sharing.routes(gate, basic));
        concerns.add(PageRoutes.fromClasspath());
        PeerSelector selector = PeerSelector.NONE;
        if (!peers.isEmpty()) {
            PeerRoutes peerRoutes = new PeerRoutes(peers, gate, basic, tui.handshake());
            selector = peerRoutes.selector();
            concerns.add(peerRoutes);
            peers.start();
        }
        if (config.upstreams().api().isPresent()) {
            concerns.add(new ApiRoutes(config.upstreams().api().get(), gate, basic, selector));
        }
        if (config.upstreams().dashboard().isPresent()) {
            httpClient = HttpClient.newBuilder()
                    .executor(Executors.newSingleThreadExecutor(r -> new Thread(r, "dashboard-token")))
                    .connectTimeout(config.upstreams().dashboard().get().connectTimeout())
                    .build();
            concerns.add(new DashboardRoutes(config.upstreams().dashboard().get(), httpClient, gate, basic, selector));
        }
        PathHandler routes = Handlers.path(selector.wrap(ex -> ErrorResponses.send(ex, 404, "not_found", "no such route")));
        concerns.forEach(c -> c.register(routes));
        HostPolicy hosts = new HostPolicy(config.listen().address(), config.listen().allowedHosts());
        OriginPolicy origins = new OriginPolicy(config.listen().allowedOrigins());
        HttpHandler root = HandlerChain.of(routes,
                AccessLogHandler::new,
                RequestShapeGuardHandler::new,
                NormalizePathHandler::new,
                next -> new LockoutHandler(guard, next),
                next -> new HostGuardHandler(hosts, next),
                next -> new OriginGuardHandler(origins, next),
                next -> new CorsHandler(origins, next),
                next -> new BodyLimitHandler(config.limits().maxBodyBytes(), next));

        InetSocketAddress listen = config.listen().address();
        undertow = Undertow.builder()
                .setWorker(worker)
                .addHttpListener(listen.getPort(), listen.getAddress().getHostAddress())
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, config.limits().maxBodyBytes())
                // Idle keep-alive connections live 120 s (0 here would close them ~at once, racing clients that
                // reuse them: a POST sent on a connection closing under it fails and is not retried).
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 120_000)
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, 30_000)
                .setSocketOption(Options.TCP_NODELAY, true)
                .setHandler(root)
                .build();
        undertow.start();
        LOG.log(System.Logger.Level.INFO, "hermes-front listening on {0}:{1,number,#} (agent: {2}; API server: {3}; dashboard: {4})",
                listen.getAddress().getHostAddress(), port(), launcher.kind(),
                config.upstreams().api().map(a -> a.uri().toString()).orElse("off"),
                config.upstreams().dashboard().map(d -> d.uri().toString()).orElse("off"));
        return this;
    }

    /** Returns the bound port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
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
        if (undertow == null) {
            return;
        }
        registry.shutdownAll();
        try {
            // Let clients finish the 1001 close handshake while the IO threads still run (bounded).
            registry.awaitEmpty(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        peers.close();
        agents.close();
        launcher.close();
        try {
            deployment.stop();
            deployment.undeploy();
        } catch (ServletException e) {
            LOG.log(System.Logger.Level.DEBUG, "undeploy: {0}", e.getMessage());
        }
        undertow.stop();
        timers.shutdownNow();
        guard.close();
        if (httpClient != null) {
            httpClient.executor().ifPresent(e -> ((ExecutorService) e).shutdownNow());
        }
        worker.shutdown();
        try {
            if (!worker.awaitTermination(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        undertow = null;
    }
}
