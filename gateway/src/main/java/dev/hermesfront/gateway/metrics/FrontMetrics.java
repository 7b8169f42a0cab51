package dev.hermesfront.gateway.metrics;

import dev.hermesfront.gateway.peers.PeerRegistry;
import dev.hermesfront.gateway.policy.GateEvents;
import dev.hermesfront.gateway.ws.ChannelMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Every metric of one gateway, in a Micrometer Prometheus registry: the {@code /api/ws} channel
 * ({@link ChannelMetrics}), the one authorization decision ({@link GateEvents}), REST requests by route
 * family and status with a latency histogram ({@link MetricsHandler}), upstream errors, peers, reloads,
 * dropped log and audit lines, and the JVM's own. docs/operations.md lists them with queries.
 *
 * <p>Labels come from fixed sets only: route families ({@link RouteFamily}), status codes, close codes
 * from a known list (else {@code other}), JSON-RPC methods of the scope table (else {@code other}),
 * configured peer names. Never a token, a path or a session id. Per-frame counters are created once
 * and only incremented (no allocation per frame). Thread-safe.
 */
public final class FrontMetrics implements ChannelMetrics, GateEvents, AutoCloseable {
    private static final Set<Integer> CLOSE_CODES = Set.of(1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012,
            1013, 4401, 4403, 4404);
    /** Latency buckets of REST requests: from a cached health check to a long non-stream agent turn. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(300)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private JvmGcMetrics gc;
    private final Counter connections;
    private final Counter attachesNew;
    private final Counter attachesBack;
    private final Counter attachesJoin;
    private final Map<Integer, Counter> closes = new ConcurrentHashMap<>();
    private final Counter closesOther;
    private final Counter framesIn;
    private final Counter framesOut;
    private final Counter charsIn;
    private final Counter charsOut;
    private final Counter paced;
    private final Counter lockouts;
    private final Map<String, Counter> byKey = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final List<Meter> peerMeters = new ArrayList<>();
    private boolean jvmBound;

    public FrontMetrics() {
        connections = counter("hermes.front.ws.connections", "WebSocket handshakes that reached /api/ws (or /peers/NAME/api/ws)");
        attachesNew = Counter.builder("hermes.front.ws.attaches").description("Clients given an agent").tag("kind", "new").register(registry);
        attachesBack = Counter.builder("hermes.front.ws.attaches").description("Clients given an agent").tag("kind", "reattach")
                .register(registry);
        attachesJoin = Counter.builder("hermes.front.ws.attaches").description("Clients given an agent").tag("kind", "join")
                .register(registry);
        for (int code : CLOSE_CODES) {
            closes.put(code, closeCounter(Integer.toString(code)));
        }
        closesOther = closeCounter("other");
        framesIn = Counter.builder("hermes.front.ws.frames").description("Frames relayed on /api/ws").tag("direction", "in").register(registry);
        framesOut = Counter.builder("hermes.front.ws.frames").description("Frames relayed on /api/ws").tag("direction", "out").register(registry);
        charsIn = Counter.builder("hermes.front.ws.chars").description("UTF-16 units relayed on /api/ws (bytes, for ASCII JSON)")
                .tag("direction", "in").register(registry);
        charsOut = Counter.builder("hermes.front.ws.chars").description("UTF-16 units relayed on /api/ws (bytes, for ASCII JSON)")
                .tag("direction", "out").register(registry);
        paced = counter("hermes.front.ws.outbound.paced", "Times a client's outbound queue passed its high-water mark and its agent was paced");
        lockouts = counter("hermes.front.auth.lockouts", "Addresses locked out after repeated authentication failures");
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    private Counter closeCounter(String code) {
        return Counter.builder("hermes.front.ws.closes").description("/api/ws connections closed, by close code").tag("code", code)
                .register(registry);
    }

    private Counter labelled(String name, String description, String... tags) {
        String key = name + '|' + String.join("|", tags);
        Counter c = byKey.get(key);
        if (c == null) {
            c = byKey.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
        }
        return c;
    }

    /** Returns the registry, for tests and extra binders. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Returns the Prometheus text exposition (format 0.0.4). */
    public String scrape() {
        bindJvm();
        return registry.scrape();
    }

    /**
     * Binds the JVM's own metrics at the first scrape rather than at start: loading those binders and the
     * management beans they read costs start-up time nobody waits for otherwise (GC pauses before the first
     * scrape are not counted).
     */
    private synchronized void bindJvm() {
        if (jvmBound) {
            return;
        }
        jvmBound = true;
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Registers a gauge read at each scrape. */
    public void gauge(String name, String description, IntSupplier value) {
        Gauge.builder(name, () -> value.getAsInt()).description(description).register(registry);
    }

    /** Registers a counter whose value some other part keeps (dropped log or audit lines). */
    public void counted(String name, String description, LongSupplier value) {
        FunctionCounter.builder(name, value, v -> v.getAsLong()).description(description).register(registry);
    }

    /** Replaces the peer gauges with one {@code up} and one probe latency per peer in {@code peers}. */
    public synchronized void peers(Collection<PeerRegistry.Peer> peers) {
        peerMeters.forEach(registry::remove);
        peerMeters.clear();
        for (PeerRegistry.Peer p : peers) {
            String name = p.config().name();
            peerMeters.add(Gauge.builder("hermes.front.peer.up", p, x -> x.up() ? 1 : 0)
                    .description("1 when the peer answered its last probe or request and accepted our credential").tag("peer", name)
                    .strongReference(true).register(registry));
            peerMeters.add(Gauge.builder("hermes.front.peer.probe.latency", p, x -> x.latencyMs() < 0 ? Double.NaN : x.latencyMs() / 1000.0)
                    .description("Latency of the peer's last health probe").baseUnit("seconds").tag("peer", name).strongReference(true)
                    .register(registry));
        }
    }

    /** Counts one finished REST request (or handshake) of {@code family} with {@code status}. */
    public void request(String family, int status, String frontError, long nanos) {
        String s = status >= 100 && status <= 599 ? Integer.toString(status) : "other";
        String key = family + '|' + s;
        Timer t = timers.get(key);
        if (t == null) {
            t = timers.computeIfAbsent(key, k -> Timer.builder("hermes.front.http.request.duration")
                    .description("REST requests and WebSocket handshakes, by route family and status").tags("route", family, "status", s)
                    .serviceLevelObjectives(BUCKETS).register(registry));
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
        if (frontError != null) {
            String upstream = RouteFamily.upstream(family);
            String kind = switch (frontError) {
                case "upstream_unavailable", "peer_unavailable" -> "unavailable";
                case "upstream_timeout" -> "timeout";
                default -> null;
            };
            if (upstream != null && kind != null) {
                labelled("hermes.front.upstream.errors", "Proxied requests the front answered itself because the upstream failed",
                        "upstream", upstream, "kind", kind).increment();
            }
        }
    }

    /** Counts one configuration reload: {@code applied} or {@code failed}. */
    public void reload(String outcome) {
        labelled("hermes.front.reloads", "Configuration reloads (SIGHUP or POST /front/reload)", "outcome", outcome).increment();
    }

    // ---------------------------------------------------------------- ChannelMetrics

    @Override
    public void connected() {
        connections.increment();
    }

    @Override
    public void attached(boolean reattached) {
        (reattached ? attachesBack : attachesNew).increment();
    }

    @Override
    public void joined() {
        attachesJoin.increment();
    }

    @Override
    public void closed(int code) {
        closes.getOrDefault(code, closesOther).increment();
    }

    @Override
    public void frameIn(int chars) {
        framesIn.increment();
        charsIn.increment(chars);
    }

    @Override
    public void frameOut(int chars) {
        framesOut.increment();
        charsOut.increment(chars);
    }

    @Override
    public void agentRefused(String reason) {
        labelled("hermes.front.ws.agent.refusals", "Clients refused an agent: max_agents, spawn_rate or start_failed", "reason", reason)
                .increment();
    }

    @Override
    public void paced() {
        paced.increment();
    }

    // ---------------------------------------------------------------- GateEvents

    @Override
    public void authFailed(String carrier) {
        labelled("hermes.front.auth.failures", "Wrong credentials presented, by kind", "carrier", carrier).increment();
    }

    @Override
    public void lockout() {
        lockouts.increment();
    }

    @Override
    public void denied(String kind, String method) {
        labelled("hermes.front.policy.denials", "Calls refused for their credential's scope, by kind and method", "kind", kind,
                "method", method).increment();
    }

    @Override
    public void rateLimited(String kind) {
        labelled("hermes.front.rate.limited", "Calls refused because their credential's rate was spent", "kind", kind).increment();
    }

    @Override
    public synchronized void close() {
        if (gc != null) {
            gc.close();
        }
        registry.close();
    }
}
