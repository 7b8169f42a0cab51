package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;

/**
 * The loopback upstreams the front proxies, and the timeouts of every loopback hop.
 *
 * @param api       the API server to proxy /v1, /health, /api/jobs, /api/sessions to; empty = off
 * @param dashboard the dashboard to proxy every other path to; empty = off
 * @param connect   time to open a loopback connection (default 5 s)
 * @param response  time to wait for response headers; zero = none (default 30 min)
 * @param idle      longest silence inside a response body; zero = none (default 2 min)
 */
public record UpstreamSettings(Optional<UpstreamConfig> api, Optional<UpstreamConfig> dashboard, Duration connect, Duration response,
                               Duration idle) {
    public UpstreamSettings {
        requireNonNull(api, "api");
        requireNonNull(dashboard, "dashboard");
        requireNonNull(connect, "connect");
        requireNonNull(response, "response");
        requireNonNull(idle, "idle");
    }

    /** Returns these timeouts with {@code api} and {@code dashboard} as the upstreams (null: off). */
    public UpstreamSettings withUpstreams(UpstreamConfig api, UpstreamConfig dashboard) {
        return new UpstreamSettings(Optional.ofNullable(api), Optional.ofNullable(dashboard), connect, response, idle);
    }

    /** Returns no upstreams and the default timeouts. */
    public static UpstreamSettings none() {
        return new UpstreamSettings(Optional.empty(), Optional.empty(), UpstreamConfig.DEFAULT_CONNECT, UpstreamConfig.DEFAULT_RESPONSE,
                UpstreamConfig.DEFAULT_IDLE);
    }
}
