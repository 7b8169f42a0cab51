package dev.hermesfront.gateway.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.gateway.config.PeerConfig;
import dev.hermesfront.gateway.config.PeerSettings;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.proxy.UpstreamEvents;
import dev.hermesfront.gateway.proxy.UpstreamProxy;
import dev.hermesfront.gateway.upstream.WsClient;
import dev.hermesfront.gateway.upstream.WsRelayLauncher;
import io.undertow.server.HttpHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The coordinator's peers: for each, the streaming proxy to it, the /api/ws relay launcher, and its health.
 *
 * <p>Health: every probe interval each peer gets {@code GET /health} (reachability and latency), then
 * {@code GET /v1/models} with its credential (does it accept us). A failed probe or a request that could
 * not reach the peer opens its circuit: requests are refused at once with 503 {@code peer_unavailable}
 * for a back-off of 1 s, doubling with each consecutive failure up to 60 s; after it one request (or the
 * next probe) tries again, and a success closes the circuit. Thread-safe; never blocks callers.
 */
public final class PeerRegistry implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PeerRegistry.class.getName());
    static final Duration BACKOFF_BASE = Duration.ofSeconds(1);
    static final Duration BACKOFF_MAX = Duration.ofSeconds(60);

    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private final PeerSettings settings;
    private final ObjectMapper mapper;
    private final HttpClient http;
    private final ScheduledExecutorService timers;
    private ScheduledFuture<?> probes;

    /** One peer and its circuit state (guarded by the Peer's monitor). */
    public static final class Peer implements UpstreamEvents {
        private final PeerConfig config;
        private final HttpHandler proxy;
        private final PeerLauncher ws;
        private String state = "unknown";
        private long latencyMs = -1;
        private String lastError;
        private Instant lastProbe;
        private Boolean authOk;
        private int failures;
        private long retryAtNanos;

        Peer(PeerConfig config, Duration connectTimeout, Duration idle, WsClient wsClient, long maxMessageBytes) {
            this.config = config;
            UpstreamConfig up = new UpstreamConfig(config.url(), Optional.empty(), connectTimeout, config.timeout(), idle);
            String authorization = config.credential().authorization();
            this.proxy = UpstreamProxy.peer(config.name(), up, authorization, this);
            // The credential travels in the upgrade's Authorization header (Bearer or Basic), never in the URL.
            this.ws = new PeerLauncher(config.name(), WsRelayLauncher.withHeaders(wsClient, config.wsUrl(),
                    Map.of("Authorization", authorization), connectTimeout, maxMessageBytes), this);
        }

        /** Returns the peer's settings. */
        public PeerConfig config() {
            return config;
        }

        /** Returns true when the last probe or request reached the peer and it accepted us ({@code state} up). */
        public synchronized boolean up() {
            return state.equals("up");
        }

        /** Returns the last probe's latency in milliseconds, or -1 before the first answer. */
        public synchronized long latencyMs() {
            return latencyMs;
        }

        /** Returns the last error seen, or null. */
        public synchronized String lastError() {
            return lastError;
        }

        /** Returns the state: {@code unknown} (not probed yet), {@code up} or {@code down}. */
        public synchronized String state() {
            return state;
        }

        /** Returns the streaming proxy to the peer (path already the peer's). */
        public HttpHandler proxy() {
            return proxy;
        }

        /** Returns the /api/ws relay launcher. */
        public Optional<AgentLauncher> wsLauncher() {
            return Optional.of(ws);
        }

        /** Returns the /api/ws relay for one end user, who the peer then acts as ({@link PeerLauncher#forUser}). */
        public AgentLauncher wsLauncher(String onBehalf) {
            return ws.forUser(onBehalf);
        }

        /**
         * Returns null when a request may go to the peer now, else why not (circuit open). Past the
         * back-off, lets one request through and holds the others for another back-off.
         */
        public synchronized String refusal() {
            if (failures == 0) {
                return null;
            }
            long now = System.nanoTime();
            if (now - retryAtNanos >= 0) {
                retryAtNanos = now + backoff().toNanos();
                return null;
            }
            long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(retryAtNanos - now));
            return "peer '" + config.name() + "' is unavailable (" + lastError + "); retrying in " + ms + " ms";
        }

        private Duration backoff() {
            long ms = BACKOFF_BASE.toMillis() << Math.min(16, Math.max(0, failures - 1));
            return Duration.ofMillis(Math.min(ms, BACKOFF_MAX.toMillis()));
        }

        @Override
        public synchronized void unavailable(String why) {
            failures++;
            state = "down";
            lastError = why;
            retryAtNanos = System.nanoTime() + backoff().toNanos();
        }

        @Override
        public synchronized void responded() {
            failures = 0;
            state = "up";
        }

        synchronized void probed(long ms, String error, Boolean auth) {
            lastProbe = Instant.now();
            authOk = auth;
            if (error == null) {
                latencyMs = ms;
                failures = 0;
                state = "up";
                lastError = null;
            } else {
                if (ms >= 0) {
                    latencyMs = ms;
                }
                unavailable(error);
            }
        }

        synchronized void describe(ObjectNode o) {
            o.put("name", config.name()).put("url", config.url().toString()).put("state", state);
            if (latencyMs >= 0) {
                o.put("latency_ms", latencyMs);
            } else {
                o.putNull("latency_ms");
            }
            o.put("last_error", lastError);
            o.put("last_probe", lastProbe == null ? null : lastProbe.toString());
            if (authOk == null) {
                o.putNull("auth_ok");
            } else {
                o.put("auth_ok", authOk);
            }
            o.put("consecutive_failures", failures);
            long retry = failures == 0 ? 0 : Math.max(0, TimeUnit.NANOSECONDS.toMillis(retryAtNanos - System.nanoTime()));
            o.put("circuit", failures == 0 ? "closed" : retry > 0 ? "open" : "half-open");
            o.put("retry_in_ms", retry);
            o.put("ws_relay", true);
        }
    }

    /**
     * @param settings       the peer map and intervals
     * @param connectTimeout connect timeout towards peers
     * @param idle           longest silence inside a streamed peer response
     * @param mapper         the gateway's JSON mapper
     * @param timers         the gateway's timers (probes and fan-out deadlines are scheduled there; they never block)
     * @param http           builds the peers' HTTP client ({@code Pools#http}, on the gateway's client threads), only when
     *                       there are peers; nothing here blocks on it: probes and fan-out are asynchronous
     * @param wsClient       dials the peers' /api/ws for the relay, on the gateway's IO threads
     * @param maxMessageBytes largest message relayed from a peer's /api/ws
     */
    public PeerRegistry(PeerSettings settings, Duration connectTimeout, Duration idle, ObjectMapper mapper,
                        ScheduledExecutorService timers, Supplier<HttpClient> http, WsClient wsClient, long maxMessageBytes) {
        this.settings = settings;
        this.mapper = mapper;
        this.timers = timers;
        // No peers (not a coordinator): no client, which would cost a selector thread and TLS set-up at start.
        this.http = settings.peers().isEmpty() ? null : http.get();
        for (PeerConfig p : settings.peers()) {
            peers.put(p.name(), new Peer(p, connectTimeout, idle, wsClient, maxMessageBytes));
        }
    }

    /** Starts probing every peer now and then every probe interval. */
    public void start() {
        if (!peers.isEmpty()) {
            long ms = settings.probeInterval().toMillis();
            probes = timers.scheduleWithFixedDelay(this::probeAll, 0, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Returns the peer called {@code name}. */
    public Optional<Peer> find(String name) {
        return Optional.ofNullable(name == null ? null : peers.get(name));
    }

    /** Returns every peer, in configuration order. */
    public Collection<Peer> all() {
        return peers.values();
    }

    /** Returns true when no peers are configured. */
    public boolean isEmpty() {
        return peers.isEmpty();
    }

    HttpClient http() {
        return http;
    }

    ScheduledExecutorService timers() {
        return timers;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    /** Returns {@code {"peers": [{name, url, state, latency_ms, last_error, ...}]}}. */
    public String statusJson() {
        ObjectNode root = mapper.createObjectNode();
        ArrayNode list = root.putArray("peers");
        for (Peer p : peers.values()) {
            p.describe(list.addObject());
        }
        return root.toString();
    }

    private void probeAll() {
        for (Peer p : peers.values()) {
            probe(p);
        }
    }

    /** Probes one peer asynchronously; the result lands in its health. */
    CompletableFuture<Void> probe(Peer p) {
        Duration limit = settings.probeInterval().compareTo(Duration.ofSeconds(10)) < 0 ? Duration.ofSeconds(10) : settings.probeInterval();
        URI base = p.config().url();
        long t0 = System.nanoTime();
        HttpRequest health = HttpRequest.newBuilder(base.resolve("/health")).timeout(limit).GET().build();
        return http.sendAsync(health, HttpResponse.BodyHandlers.discarding()).thenCompose(r -> {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (r.statusCode() != 200) {
                p.probed(ms, "GET /health answered " + r.statusCode(), null);
                return CompletableFuture.completedFuture(null);
            }
            HttpRequest models = HttpRequest.newBuilder(base.resolve("/v1/models")).timeout(limit)
                    .header("Authorization", p.config().credential().authorization()).GET().build();
            return http.sendAsync(models, HttpResponse.BodyHandlers.discarding()).thenAccept(m -> {
                int s = m.statusCode();
                if (s == 401 || s == 403) {
                    p.probed(ms, "the peer refused our credential (GET /v1/models answered " + s + ")", false);
                } else {
                    // 404: the peer has no API server behind it; our credential is still unchecked there.
                    p.probed(ms, null, s == 200 ? Boolean.TRUE : null);
                }
            });
        }).exceptionally(e -> {
            p.probed(-1, "not reachable: " + rootMessage(e), null);
            return null;
        });
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }

    @Override
    public void close() {
        if (probes != null) {
            probes.cancel(false);
        }
        for (Peer p : peers.values()) {
            p.wsLauncher().ifPresent(AgentLauncher::close);
        }
        LOG.log(System.Logger.Level.DEBUG, "peers closed");
    }
}
