package dev.hermesfront.gateway;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.park.ParkingLot;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.http.HealthHandler;
import dev.hermesfront.gateway.http.WebSocketOnlyHandler;
import dev.hermesfront.gateway.ws.ConnectionRegistry;
import dev.hermesfront.gateway.ws.TuiEndpointConfigurator;
import dev.hermesfront.protocol.codec.FrameCodec;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.websockets.jsr.WebSocketDeploymentInfo;
import jakarta.servlet.ServletException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * Assembles and runs the Undertow server: routes, the /api/ws deployment and the agent launcher.
 * The only place handler chains are built.
 */
public final class GatewayServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GatewayServer.class.getName());
    static final String WS_PATH = "/api/ws";

    private final GatewayConfig config;
    private final AgentLauncher launcher;
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private Undertow undertow;
    private DeploymentManager deployment;
    private XnioWorker worker;
    private ParkingLot lot;
    private ScheduledExecutorService timers;

    public GatewayServer(GatewayConfig config, AgentLauncher launcher) {
        this.config = config;
        this.launcher = launcher;
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
        FrameCodec codec = new FrameCodec(config.maxMessageBytes());
        lot = new ParkingLot(config.parking(), codec);
        timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gateway-timers");
            t.setDaemon(true);
            return t;
        });
        TuiEndpointConfigurator configurator = new TuiEndpointConfigurator(config, codec, launcher, registry, lot, timers);
        WebSocketDeploymentInfo ws = new WebSocketDeploymentInfo()
                .setWorker(worker)
                .setDispatchToWorkerThread(true)
                .addEndpoint(configurator.endpointConfig(WS_PATH));
        DeploymentInfo info = Servlets.deployment()
                .setClassLoader(GatewayServer.class.getClassLoader())
                .setContextPath("/")
                .setDeploymentName("hermes-front-ws")
                .addServletContextAttribute(WebSocketDeploymentInfo.ATTRIBUTE_NAME, ws);
        deployment = Servlets.defaultContainer().addDeployment(info);
        deployment.deploy();
        HttpHandler deployed = deployment.start();
        // The deployment's context is "/": it matches endpoints on the full path, which PathHandler shortened.
        HttpHandler wsHandler = ex -> {
            ex.setRelativePath(ex.getRequestPath());
            deployed.handleRequest(ex);
        };

        PathHandler routes = Handlers.path(ex -> ErrorResponses.send(ex, 404, "not_found", "no such route"))
                .addExactPath("/health", new HealthHandler(launcher.kind(), registry::size))
                .addExactPath(WS_PATH, new WebSocketOnlyHandler(wsHandler));

        InetSocketAddress listen = config.listen();
        undertow = Undertow.builder()
                .setWorker(worker)
                .addHttpListener(listen.getPort(), listen.getAddress().getHostAddress())
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, 1L << 20)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 0)
                .setSocketOption(Options.TCP_NODELAY, true)
                .setHandler(routes)
                .build();
        undertow.start();
        LOG.log(System.Logger.Level.INFO, "hermes-front listening on {0}:{1,number,#} (agent: {2})",
                listen.getAddress().getHostAddress(), port(), launcher.kind());
        return this;
    }

    /** Returns the bound port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    /** Returns the number of parked agents. */
    public int parked() {
        return lot.size();
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
        lot.close();
        launcher.close();
        try {
            deployment.stop();
            deployment.undeploy();
        } catch (ServletException e) {
            LOG.log(System.Logger.Level.DEBUG, "undeploy: {0}", e.getMessage());
        }
        undertow.stop();
        timers.shutdownNow();
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
