package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.config.UpstreamConfig;
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
