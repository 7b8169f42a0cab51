package dev.hermesfront.bridge.upstream;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bridges each client to its own connection to a loopback dashboard's {@code /api/ws} (tui-wire.md §6,
 * §8.11): dialled from loopback, with the dashboard's session token injected as {@code ?token=}, the
 * {@code Host} of the URL (what a loopback dashboard accepts) and no {@code Origin}. The dashboard
 * keeps one transport per connection, so frames pass through unchanged, as with the stdio link.
 */
public final class UpstreamLauncher implements AgentLauncher {
    private final URI target;
    private final String display;
    private final HttpClient http;
    private final Map<String, String> headers;
    private final ExecutorService pacer;
    private final Set<UpstreamWsLink> live = ConcurrentHashMap.newKeySet();

    /**
     * @param url   the dashboard's /api/ws, e.g. {@code ws://127.0.0.1:9119/api/ws}, without a token
     * @param token the dashboard session token, or null when the URL needs none
     */
    public UpstreamLauncher(URI url, String token) {
        this(withToken(url, token), url, Map.of(), HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
    }

    /**
     * A launcher that sends {@code headers} on every upgrade (e.g. {@code Authorization} for a peer hermes-front,
     * which takes Bearer or Basic there) and dials with {@code http}, whose executor must never be blocked.
     *
     * @param url the upstream /api/ws, without credentials
     */
    public UpstreamLauncher(URI url, Map<String, String> headers, HttpClient http) {
        this(url, url, headers, http);
    }

    private static URI withToken(URI url, String token) {
        String q = url.getRawQuery();
        String withToken = url.toString();
        if (token != null) {
            withToken += (q == null ? "?" : "&") + "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
        }
        return URI.create(withToken);
    }

    private UpstreamLauncher(URI target, URI url, Map<String, String> headers, HttpClient http) {
        this.target = target;
        this.headers = Map.copyOf(headers);
        this.display = url.getScheme() + "://" + url.getHost() + ":" + url.getPort() + url.getRawPath();
        AtomicInteger n = new AtomicInteger();
        this.pacer = new ThreadPoolExecutor(0, 32, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), r -> {
            Thread t = new Thread(r, "upstream-pacer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.http = http;
    }

    @Override
    public AgentLink open(ClientSink sink) {
        UpstreamWsLink link = new UpstreamWsLink(display, sink, pacer, live::remove);
        live.add(link);
        link.connect(http, target, headers);
        return link;
    }

    @Override
    public String kind() {
        return "dashboard:" + display;
    }

    @Override
    public void close() {
        live.forEach(UpstreamWsLink::close);
        pacer.shutdown();
    }
}
