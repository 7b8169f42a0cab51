package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.policy.TokenBuckets;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.ResponseCodeHandler;
import io.undertow.server.handlers.proxy.ProxyHandler;
import java.net.http.HttpClient;
import java.util.Optional;

/**
 * Builds the handler that proxies to one loopback upstream: {@link ProxyRequestHandler} in front of
 * Undertow's non-blocking {@link ProxyHandler}. Bodies stream in both directions (each upstream chunk is
 * written to the client as it arrives, so SSE events are never held back), there is no total request
 * time limit (timeouts are per phase, see {@link UpstreamExchange}), and nothing is retried: a POST
 * retried would run the agent twice (rest-surface.md §6.5).
 */
public final class UpstreamProxy {
    private UpstreamProxy() {}

    /** Returns the proxy handler for the API server; injects {@code Authorization: Bearer KEY}. */
    public static HttpHandler api(UpstreamConfig config) {
        InnerCredential key = InnerCredential.fixed(config.credential().orElseThrow());
        return new ProxyRequestHandler(UpstreamKind.API, config, key, proxy(config));
    }

    /** Default burst of unauthenticated {@code /health} requests per client address. */
    public static final int HEALTH_BURST = 20;
    /** Default sustained rate of unauthenticated {@code /health} requests per client address, per second. */
    public static final double HEALTH_PER_SECOND = 5.0;

    /**
     * Returns the handler for the API server's public {@code /health} and {@code /v1/health}: forwarded
     * without any credential (the route needs none, and an unauthenticated caller must never have the
     * inner key sent on its behalf), rate limited per client address ({@link #HEALTH_BURST},
     * {@link #HEALTH_PER_SECOND}).
     */
    public static HttpHandler apiHealth(UpstreamConfig config) {
        return apiHealth(config, HEALTH_BURST, HEALTH_PER_SECOND);
    }

    /** Returns the public health handler with its own per-address limit ({@code burst} requests, {@code perSecond}). */
    public static HttpHandler apiHealth(UpstreamConfig config, int burst, double perSecond) {
        TokenBuckets perAddress = new TokenBuckets(burst, perSecond, System::nanoTime);
        return new AddressRateLimitHandler(perAddress, new ProxyRequestHandler(UpstreamKind.API, config, Optional::empty, proxy(config)));
    }

    /**
     * Returns the proxy handler for the dashboard; injects the configured session token, or the one read
     * from the dashboard's page through {@code client} when none is configured.
     */
    public static HttpHandler dashboard(UpstreamConfig config, HttpClient client) {
        InnerCredential token;
        if (config.credential().isPresent()) {
            token = InnerCredential.fixed(config.credential().get());
        } else {
            DashboardTokenDiscovery d = new DashboardTokenDiscovery(config.uri(), client);
            d.refresh();
            token = d;
        }
        return new ProxyRequestHandler(UpstreamKind.DASHBOARD, config, token, proxy(config));
    }

    /**
     * Returns the proxy handler for one peer (another hermes-front): injects the peer's own credential as
     * {@code Authorization}; errors name the peer ({@code 503 peer_unavailable}); {@code events} feeds its
     * circuit breaker. The path must already be the peer's (without {@code /peers/NAME}).
     */
    public static HttpHandler peer(String name, UpstreamConfig config, String authorization, UpstreamEvents events) {
        Optional<String> value = Optional.of(authorization);
        return new ProxyRequestHandler(UpstreamKind.PEER, config, () -> value, proxy(config), "peer '" + name + "'", events);
    }

    private static HttpHandler proxy(UpstreamConfig config) {
        return ProxyHandler.builder()
                .setProxyClient(new UpstreamProxyClient(config.uri()))
                .setMaxRequestTime(-1)
                .setRewriteHostHeader(true)
                .setReuseXForwarded(false)
                .setMaxConnectionRetries(0)
                .setIdempotentRequestPredicate(ex -> false)
                .setNext(ResponseCodeHandler.HANDLE_404)
                .build();
    }
}
