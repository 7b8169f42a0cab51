package dev.hermesfront.bridge.upstream;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bridges each client to its own connection to a loopback dashboard's {@code /api/ws} (tui-wire.md §6,
 * §8.11): dialled from loopback, with the dashboard's session token injected as {@code ?token=}, the
 * {@code Host} of the URL (what a loopback dashboard accepts) and no {@code Origin}. The dashboard
 * keeps one transport per connection, so frames pass through unchanged, as with the stdio link.
 *
 * <p>No thread of its own: each link asks for the next upstream message when its client can take it
 * ({@link ClientSink#whenWritable}), so a slow client holds up its own link only.
 */
public final class UpstreamLauncher implements AgentLauncher {
    private final URI target;
    private final String display;
    private final HttpClient http;
    private final Set<UpstreamWsLink> live = ConcurrentHashMap.newKeySet();

    /**
     * @param url   the dashboard's /api/ws, e.g. {@code ws://127.0.0.1:9119/api/ws}, without a token
     * @param token the dashboard session token, or null when the URL needs none
     */
    public UpstreamLauncher(URI url, String token) {
        String q = url.getRawQuery();
        String withToken = url.toString();
        if (token != null) {
            withToken += (q == null ? "?" : "&") + "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
        }
        this.target = URI.create(withToken);
        this.display = url.getScheme() + "://" + url.getHost() + ":" + url.getPort() + url.getRawPath();
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Override
    public AgentLink open(ClientSink sink) {
        UpstreamWsLink link = new UpstreamWsLink(display, sink, live::remove);
        live.add(link);
        link.connect(http, target);
        return link;
    }

    /** The upstream {@code /api/ws} answers its own {@code gateway.ping}: pings pass through. */
    @Override
    public boolean frontAnswersPings() {
        return false;
    }

    @Override
    public String kind() {
        return "dashboard:" + display;
    }

    @Override
    public void close() {
        live.forEach(UpstreamWsLink::close);
    }
}
