package dev.hermesfront.gateway.proxy;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyCallback;
import io.undertow.server.handlers.proxy.ProxyClient;
import io.undertow.server.handlers.proxy.ProxyConnection;
import io.undertow.util.Headers;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;

/**
 * A {@link ProxyClient} for one loopback upstream: Undertow's pooled {@link LoadBalancingProxyClient}
 * with a single host, plus the connect timeout and failure bookkeeping of {@link UpstreamExchange}; the
 * connection handed to the ProxyHandler reports its failures there ({@link UpstreamConnection}).
 * WebSocket upgrades get a connection of their own (it is consumed by the upgrade). Idle pooled
 * connections are dropped after 30 s, below aiohttp's 75 s keep-alive, so a request is never sent on a
 * connection the server already closed (rest-surface.md §6.6).
 */
final class UpstreamProxyClient implements ProxyClient {
    private final LoadBalancingProxyClient pool;

    UpstreamProxyClient(URI upstream) {
        this.pool = new LoadBalancingProxyClient(ex -> ex.getRequestHeaders().contains(Headers.UPGRADE))
                .setConnectionsPerThread(32)
                .setMaxQueueSize(256)
                .setTtl(30_000)
                .setProblemServerRetry(1)
                // No Nagle on the hop: a request's head and body, written apart, must not wait for the upstream's ACK.
                .addHost(upstream, null, null, OptionMap.create(Options.TCP_NODELAY, true));
    }

    @Override
    public ProxyTarget findTarget(HttpServerExchange exchange) {
        return pool.findTarget(exchange);
    }

    @Override
    public List<ProxyTarget> getAllTargets() {
        return pool.getAllTargets();
    }

    @Override
    public void getConnection(ProxyTarget target, HttpServerExchange exchange, ProxyCallback<ProxyConnection> callback,
                              long timeout, TimeUnit timeUnit) {
        UpstreamExchange state = exchange.getAttachment(UpstreamExchange.KEY);
        if (state == null) {
            pool.getConnection(target, exchange, callback, timeout, timeUnit);
            return;
        }
        state.connecting();
        pool.getConnection(target, exchange, new ProxyCallback<>() {
            @Override
            public void completed(HttpServerExchange ex, ProxyConnection result) {
                if (state.connected(result.getConnection())) {
                    callback.completed(ex, new ProxyConnection(new UpstreamConnection(result.getConnection(), state),
                            result.getTargetPath()));
                } else {
                    IoUtils.safeClose(result.getConnection());
                }
            }

            @Override
            public void failed(HttpServerExchange ex) {
                if (state.connectFailed()) {
                    callback.failed(ex);
                }
            }

            @Override
            public void couldNotResolveBackend(HttpServerExchange ex) {
                if (state.connectFailed()) {
                    callback.couldNotResolveBackend(ex);
                }
            }

            @Override
            public void queuedRequestFailed(HttpServerExchange ex) {
                if (state.connectFailed()) {
                    callback.queuedRequestFailed(ex);
                }
            }
        }, timeout, timeUnit);
    }
}
