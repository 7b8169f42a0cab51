package dev.hermesfront.gateway.upstream;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.xnio.XnioIoThread;

/**
 * Bridges each client to its own connection to an upstream {@code /api/ws}: a loopback dashboard
 * (tui-wire.md §6, §8.11) or a peer's front. Dialled with {@link WsClient} on the gateway's own worker, with the
 * {@code Host} of the URL and no {@code Origin}. The upstream keeps one transport per connection, so frames pass
 * through unchanged, in order, as with the stdio link ({@link WsRelayLink}).
 *
 * <p>Credentials, one of: the dashboard's session token as {@code ?token=} (a loopback dashboard accepts only
 * that); fixed upgrade headers such as {@code Authorization} (a peer front); or, for a gated dashboard, a fresh
 * single-use ticket per dial, minted with {@code POST /api/auth/ws-ticket} and presented as the subprotocol pair
 * {@code hermes-gateway-v1}, {@code hermes-gateway-ticket.T} (tui-wire-current.md §9); the upstream must select
 * {@code hermes-gateway-v1}. No thread of its own; thread-safe.
 */
public final class WsRelayLauncher implements AgentLauncher {
    /** The subprotocol a ticket rides with, and the one a gated upstream selects. */
    public static final String SUBPROTOCOL = "hermes-gateway-v1";
    /** Prefix of the subprotocol entry that carries the ticket. */
    public static final String TICKET_PREFIX = "hermes-gateway-ticket.";

    private final WsClient ws;
    private final URI target;
    private final String display;
    private final Map<String, String> headers;
    private final Optional<TicketMinter> tickets;
    private final Duration connectTimeout;
    private final long maxMessageBytes;
    private final Set<WsRelayLink> live = ConcurrentHashMap.newKeySet();

    private WsRelayLauncher(WsClient ws, URI target, URI url, Map<String, String> headers, Optional<TicketMinter> tickets,
                            Duration connectTimeout, long maxMessageBytes) {
        this.ws = ws;
        this.target = target;
        this.display = url.getScheme() + "://" + url.getHost() + ":" + url.getPort() + url.getRawPath();
        this.headers = Map.copyOf(headers);
        this.tickets = tickets;
        this.connectTimeout = connectTimeout;
        this.maxMessageBytes = maxMessageBytes;
    }

    /**
     * Returns a launcher for a loopback dashboard's {@code /api/ws}, its session token sent as {@code ?token=}.
     *
     * @param url   the upstream /api/ws, e.g. {@code ws://127.0.0.1:9119/api/ws}, without a token
     * @param token the dashboard session token, or null when the URL needs none
     */
    public static WsRelayLauncher dashboard(WsClient ws, URI url, String token, Duration connectTimeout, long maxMessageBytes) {
        return new WsRelayLauncher(ws, withToken(url, token), url, Map.of(), Optional.empty(), connectTimeout, maxMessageBytes);
    }

    /** Returns a launcher that sends {@code headers} on every upgrade (e.g. a peer's {@code Authorization}). */
    public static WsRelayLauncher withHeaders(WsClient ws, URI url, Map<String, String> headers, Duration connectTimeout,
                                              long maxMessageBytes) {
        return new WsRelayLauncher(ws, url, url, headers, Optional.empty(), connectTimeout, maxMessageBytes);
    }

    /** Returns a launcher for a gated dashboard: a ticket from {@code minter} for every dial, nothing in the URL. */
    public static WsRelayLauncher gated(WsClient ws, URI url, TicketMinter minter, Duration connectTimeout, long maxMessageBytes) {
        return new WsRelayLauncher(ws, url, url, Map.of(), Optional.of(minter), connectTimeout, maxMessageBytes);
    }

    private static URI withToken(URI url, String token) {
        if (token == null) {
            return url;
        }
        String q = url.getRawQuery();
        return URI.create(url + (q == null ? "?" : "&") + "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    @Override
    public AgentLink open(ClientSink sink) {
        return open(sink, Map.of());
    }

    /**
     * Opens a link whose upgrade also carries {@code extra} headers (a coordinator's end user for a peer,
     * {@code X-Hermes-Front-On-Behalf-Of}); they win over the fixed ones of the same name.
     */
    public AgentLink open(ClientSink sink, Map<String, String> extra) {
        Map<String, String> h = headers;
        if (!extra.isEmpty()) {
            h = new java.util.HashMap<>(headers);
            h.putAll(extra);
        }
        Map<String, String> dialHeaders = Map.copyOf(h);
        WsRelayLink link = new WsRelayLink(display, sink, maxMessageBytes, live::remove);
        live.add(link);
        XnioIoThread loop = pinnedLoop(sink);
        if (tickets.isEmpty()) {
            ws.dial(target, dialHeaders, List.of(), connectTimeout, loop, link::dialled);
        } else {
            tickets.get().mint().whenComplete((ticket, failure) -> {
                if (failure != null) {
                    link.dialled(null, failure);
                } else {
                    ws.dial(target, dialHeaders, List.of(SUBPROTOCOL, TICKET_PREFIX + ticket), connectTimeout, loop, link::dialled);
                }
            });
        }
        return link;
    }

    /**
     * Returns the IO thread to dial on: the client's, so that a frame read from the upstream is written to the client
     * by the thread that read it, once every IO thread carries a relay; null (the worker's choice) while there are
     * fewer relays than IO threads. Measured (docs/benchmarks.md): with a core to spare, the two legs on two threads
     * read and write in parallel, and one relay moves twice the frames it moves on one thread; once the threads are
     * busy with other relays, handing each frame to another thread only costs (a task and a wake-up per flush).
     */
    private XnioIoThread pinnedLoop(ClientSink sink) {
        if (!(sink.eventLoop() instanceof XnioIoThread t)) {
            return null;
        }
        return live.size() > t.getWorker().getIoThreadCount() ? t : null;
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
        live.forEach(WsRelayLink::close);
        tickets.ifPresent(TicketMinter::close);
    }
}
