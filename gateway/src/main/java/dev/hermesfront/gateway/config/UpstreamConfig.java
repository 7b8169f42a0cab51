package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * One loopback service the front proxies to.
 *
 * @param uri            base URL, {@code http://HOST:PORT} (no path)
 * @param credential     the inner credential injected on the loopback hop ({@code API_SERVER_KEY} as
 *                       {@code Authorization: Bearer}, or the dashboard session token); empty for a
 *                       dashboard whose token is read from its page
 * @param connectTimeout time to open the loopback connection before answering 504 {@code upstream_timeout}
 * @param responseTimeout time to wait for response headers (a whole non-stream agent turn); zero = none
 * @param idleTimeout    longest silence between response body chunks (SSE keepalives arrive every 30 s); zero = none
 */
public record UpstreamConfig(URI uri, Optional<Secret> credential, Duration connectTimeout, Duration responseTimeout,
                             Duration idleTimeout) {
    /** Default connect timeout: 5 s, so "upstream down" surfaces quickly (rest-surface.md §6.6). */
    public static final Duration DEFAULT_CONNECT = Settings.CONNECT_TIMEOUT.defaultValue();
    /** Default response-header timeout: 30 min; agent turns of many minutes are normal. */
    public static final Duration DEFAULT_RESPONSE = Settings.RESPONSE_TIMEOUT.defaultValue();
    /** Default idle timeout between body chunks: 120 s, four times the upstream keepalive period. */
    public static final Duration DEFAULT_IDLE = Settings.IDLE_TIMEOUT.defaultValue();

    public UpstreamConfig {
        requireNonNull(uri, "uri");
        requireNonNull(credential, "credential");
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(responseTimeout, "responseTimeout");
        requireNonNull(idleTimeout, "idleTimeout");
    }

    /** Returns an upstream with default timeouts. */
    public static UpstreamConfig of(URI uri, Secret credential) {
        return new UpstreamConfig(uri, Optional.ofNullable(credential), DEFAULT_CONNECT, DEFAULT_RESPONSE, DEFAULT_IDLE);
    }

    /** Returns this upstream with other timeouts. */
    public UpstreamConfig withTimeouts(Duration connect, Duration response, Duration idle) {
        return new UpstreamConfig(uri, credential, connect, response, idle);
    }

    /** Returns {@code host:port} of the upstream, the value its Host header must carry. */
    public String hostPort() {
        return uri.getHost() + ":" + uri.getPort();
    }

    /** Parses {@code http://HOST:PORT} or throws {@link ConfigException} naming {@code key}. */
    public static URI parseUri(String key, String value) {
        URI u;
        try {
            u = new URI(value.strip());
        } catch (Exception e) {
            throw new ConfigException(key, value, "http://HOST:PORT");
        }
        if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 1 || u.getRawUserInfo() != null
                || (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/"))
                || u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new ConfigException(key, value, "http://HOST:PORT (plain http, explicit port, no path)");
        }
        return URI.create("http://" + (u.getHost().contains(":") && !u.getHost().startsWith("[") ? "[" + u.getHost() + "]" : u.getHost())
                + ":" + u.getPort());
    }
}
