package dev.hermesfront.gateway.ops;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.peers.PeerRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * Whether the front can do its job now ({@code GET /front/ready}), check by check:
 * <ul>
 *   <li>{@code agent}: an agent can be started: one dry spawn reached {@code gateway.ready} since start
 *       (remembered; a failure is retried at most every {@link #AGENT_RETRY});</li>
 *   <li>{@code api_server} (when proxied): {@code GET /v1/models} with the configured key answers 200;</li>
 *   <li>{@code dashboard} (when proxied): {@code GET /api/env} with the configured token answers 200, or,
 *       with a token read from its page, {@code GET /api/status} answers;</li>
 *   <li>{@code peers} (coordinator): every peer's last probe or request reached it (a peer not probed yet
 *       counts as up).</li>
 * </ul>
 * Each HTTP check is bounded by {@link #TIMEOUT}. Blocking: call on a worker thread. Thread-safe.
 */
public final class Readiness {
    /** Time each upstream check may take. */
    public static final Duration TIMEOUT = Duration.ofSeconds(3);
    /** Time between dry spawns while the agent check fails. */
    public static final Duration AGENT_RETRY = Duration.ofSeconds(30);

    /** One check's result; {@code detail} is shown only to authenticated callers. */
    public record Check(String name, boolean up, String detail) {}

    private final AgentLauncher launcher;
    private final Duration agentTimeout;
    private final Supplier<GatewayConfig> config;
    private final Supplier<Collection<PeerRegistry.Peer>> peers;
    private final Supplier<HttpClient> httpFactory;
    /** Made on first use: an HTTP client costs a selector thread and ~250 ms of TLS set-up at start, for nothing
     *  when there is no API server or dashboard to check. */
    private HttpClient http;
    private final Object agentLock = new Object();
    private volatile Check agent;
    private long agentCheckedNanos;

    /**
     * @param agentTimeout how long a dry spawn may take to send {@code gateway.ready}
     * @param config       the running configuration (read per call: reloads apply)
     * @param peers        the running peers
     * @param http         builds the checks' HTTP client (from the gateway's pools), on first use
     */
    public Readiness(AgentLauncher launcher, Duration agentTimeout, Supplier<GatewayConfig> config,
                     Supplier<Collection<PeerRegistry.Peer>> peers, Supplier<HttpClient> http) {
        this.httpFactory = http;
        this.launcher = launcher;
        this.agentTimeout = agentTimeout;
        this.config = config;
        this.peers = peers;
    }

    private synchronized HttpClient client() {
        if (http == null) {
            http = httpFactory.get();
        }
        return http;
    }

    /** Runs every check; blocks up to a few seconds (longer the first time, for the dry spawn). */
    public List<Check> check() {
        List<Check> out = new ArrayList<>();
        out.add(agent());
        GatewayConfig c = config.get();
        c.upstreams().api().ifPresent(api -> out.add(api(api)));
        c.upstreams().dashboard().ifPresent(d -> out.add(dashboard(d)));
        Collection<PeerRegistry.Peer> ps = peers.get();
        if (!ps.isEmpty()) {
            List<String> down = new ArrayList<>();
            for (PeerRegistry.Peer p : ps) {
                if (p.state().equals("down")) {
                    down.add(p.config().name() + " (" + p.lastError() + ")");
                }
            }
            out.add(new Check("peers", down.isEmpty(), down.isEmpty() ? ps.size() + " peers up or not probed yet" : "down: "
                    + String.join(", ", down)));
        }
        return out;
    }

    private Check agent() {
        synchronized (agentLock) {
            Check last = agent;
            if (last != null && (last.up() || System.nanoTime() - agentCheckedNanos < AGENT_RETRY.toNanos())) {
                return last;
            }
            AgentProbe.Result r = AgentProbe.run(launcher, agentTimeout);
            agent = new Check("agent", r.ok(), r.message());
            agentCheckedNanos = System.nanoTime();
            return agent;
        }
    }

    private Check api(UpstreamConfig api) {
        HttpRequest.Builder b = HttpRequest.newBuilder(api.uri().resolve("/v1/models")).timeout(TIMEOUT).GET();
        api.credential().ifPresent(k -> b.header("Authorization", "Bearer " + k.reveal()));
        return http("api_server", "API server at " + api.uri(), b.build(), "the configured key");
    }

    private Check dashboard(UpstreamConfig d) {
        if (d.credential().isEmpty()) {
            return http("dashboard", "dashboard at " + d.uri(), HttpRequest.newBuilder(d.uri().resolve("/api/status")).timeout(TIMEOUT)
                    .GET().build(), null);
        }
        Secret t = d.credential().get();
        return http("dashboard", "dashboard at " + d.uri(), HttpRequest.newBuilder(d.uri().resolve("/api/env")).timeout(TIMEOUT)
                .header("X-Hermes-Session-Token", t.reveal()).GET().build(), "the configured session token");
    }

    private Check http(String name, String what, HttpRequest req, String credential) {
        int status;
        try {
            status = client().send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return new Check(name, false, what + " is not reachable (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check(name, false, what + ": check interrupted");
        }
        if (status == 200) {
            return new Check(name, true, what + " answers" + (credential == null ? "" : " and accepts " + credential));
        }
        if (status == 401 || status == 403) {
            return new Check(name, false, what + " rejects " + (credential == null ? "the request" : credential) + " (" + status + ")");
        }
        return new Check(name, false, what + " answered " + status);
    }
}
