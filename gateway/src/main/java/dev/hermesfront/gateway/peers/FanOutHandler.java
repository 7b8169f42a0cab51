package dev.hermesfront.gateway.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Delegation;
import dev.hermesfront.gateway.proxy.ProxyRequestHandler;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.xnio.IoUtils;

/**
 * {@code POST /v1/fanout/chat/completions}: the usual chat body plus {@code "peers": ["a", "b"]}, sent to
 * each named peer's {@code /v1/chat/completions} in parallel with that peer's credential.
 *
 * <p>Without {@code stream}: {@code {"results": {"a": {...}, "b": {"error": {...}}}}}, each peer's answer
 * or an error in its place, once all are done. With {@code "stream": true}: one SSE stream whose every
 * event is {@code data: {"peer": "a", "data": <the peer's event>}}, then {@code {"peer": "a", "done": true}}
 * or {@code {"peer": "a", "error": {...}}} per peer, then {@code data: [DONE]} when all are done. Each peer
 * has its own time limit (headers and body) and a peer that is slow, down or failing only produces an
 * error for itself.
 *
 * <p>Threads: none is ever blocked. The body is read and the answer written on the exchange's IO thread
 * (run this handler without {@code BlockingHandler}); peer calls are asynchronous on the peers' HTTP client.
 * A streamed peer is read one batch of bytes at a time: its next batch is requested only once the events of
 * the last were flushed to the client ({@link EventStream}), so a slow client slows its peers down instead of
 * filling memory. A peer's whole answer (or error body) is read up to {@link #MAX_ANSWER_BYTES}, a streamed
 * line up to {@link #MAX_LINE_BYTES}.
 */
public final class FanOutHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(FanOutHandler.class.getName());
    /** Most peers one fan-out request may name. */
    static final int MAX_PEERS = 32;
    /** Largest peer answer (or error body) read whole; a longer one is that peer's {@code peer_error}. */
    static final int MAX_ANSWER_BYTES = 16 << 20;
    /** Longest line of a streamed peer answer; a longer one ends that peer with {@code peer_error}. */
    static final int MAX_LINE_BYTES = 4 << 20;

    private final PeerRegistry peers;
    private final ObjectMapper mapper;

    public FanOutHandler(PeerRegistry peers) {
        this.peers = peers;
        this.mapper = peers.mapper();
    }

    @Override
    public void handleRequest(HttpServerExchange ex) {
        if (!ex.getRequestMethod().equalToString("POST")) {
            ex.getResponseHeaders().put(Headers.ALLOW, "POST");
            ErrorResponses.send(ex, 405, "method_not_allowed", "use POST");
            return;
        }
        if (ex.getAttachment(AccessHandler.ON_BEHALF) == null) {
            // Never call a peer as the coordinator itself (issue 21, F3): no caller, no call.
            ErrorResponses.send(ex, 403, "forbidden", "no caller to act for at the peers");
            return;
        }
        // The callback may run inside this call or later; dispatching keeps the exchange open for the answer.
        ex.getRequestReceiver().receiveFullBytes((e, body) -> e.dispatch(SameThreadExecutor.INSTANCE, () -> start(e, body)),
                (e, err) -> {
                    if (err instanceof RequestTooBigException && !e.isResponseStarted()) {
                        ErrorResponses.send(e, 413, "request_too_large", "the body is too large", "invalid_request_error");
                    } else {
                        LOG.log(System.Logger.Level.DEBUG, "fan-out request body unreadable: {0}", err.getMessage());
                        IoUtils.safeClose(e.getConnection());
                    }
                });
    }

    private void start(HttpServerExchange ex, byte[] bytes) {
        JsonNode body;
        try {
            body = mapper.readTree(bytes);
        } catch (IOException e) {
            ErrorResponses.send(ex, 400, "invalid_request", "the body is not JSON", "invalid_request_error");
            return;
        }
        if (body == null || !body.isObject() || !body.path("peers").isArray() || body.path("peers").isEmpty()) {
            ErrorResponses.send(ex, 400, "invalid_request", "the body must be a chat completion request with \"peers\": [names]",
                    "invalid_request_error");
            return;
        }
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode n : body.path("peers")) {
            if (!n.isTextual()) {
                ErrorResponses.send(ex, 400, "invalid_request", "\"peers\" must list peer names", "invalid_request_error");
                return;
            }
            if (peers.find(n.asText()).isEmpty()) {
                ErrorResponses.send(ex, 404, "unknown_peer", "no peer named '" + n.asText() + "' is configured on this coordinator");
                return;
            }
            names.add(n.asText());
        }
        if (names.size() > MAX_PEERS) {
            ErrorResponses.send(ex, 400, "invalid_request", "at most " + MAX_PEERS + " peers per request", "invalid_request_error");
            return;
        }
        ObjectNode forward = ((ObjectNode) body).deepCopy();
        forward.remove("peers");
        byte[] payload;
        try {
            payload = mapper.writeValueAsBytes(forward);
        } catch (IOException e) {
            ErrorResponses.send(ex, 400, "invalid_request", "the body is not JSON", "invalid_request_error");
            return;
        }
        ex.getResponseHeaders().put(ProxyRequestHandler.PEER_HEADER, String.join(",", names));
        List<PeerRegistry.Peer> targets = names.stream().map(n -> peers.find(n).orElseThrow()).toList();
        if (body.path("stream").asBoolean(false)) {
            stream(ex, targets, payload);
        } else {
            whole(ex, targets, payload);
        }
    }

    /** The call to one peer: our credential for it, plus the caller we act for ({@link Delegation#HEADER}). */
    private HttpRequest request(PeerRegistry.Peer p, byte[] payload, Duration timeout, String onBehalf) {
        HttpRequest.Builder b = HttpRequest.newBuilder(p.config().url().resolve("/v1/chat/completions")).timeout(timeout)
                .header("Authorization", p.config().credential().authorization())
                .header("Content-Type", "application/json");
        if (onBehalf != null) {
            b.header(Delegation.HEADER, onBehalf);
        }
        return b.POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build();
    }

    /** Runs {@code task} after {@code delay} on the gateway's timers; null when they no longer run (shutdown). */
    private ScheduledFuture<?> after(Duration delay, Runnable task) {
        try {
            return peers.timers().schedule(task, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    private void whole(HttpServerExchange ex, List<PeerRegistry.Peer> targets, byte[] payload) {
        Map<String, CompletableFuture<JsonNode>> calls = new LinkedHashMap<>();
        for (PeerRegistry.Peer p : targets) {
            String refusal = p.refusal();
            calls.put(p.config().name(), refusal != null
                    ? CompletableFuture.completedFuture(error("peer_unavailable", refusal, null))
                    : call(p, payload, ex.getAttachment(AccessHandler.ON_BEHALF)));
        }
        CompletableFuture.allOf(calls.values().toArray(CompletableFuture[]::new)).whenComplete((x, err) -> ex.getIoThread().execute(() -> {
            if (ex.isResponseComplete()) {
                return; // the client left and the exchange is over
            }
            ObjectNode root = mapper.createObjectNode();
            ObjectNode results = root.putObject("results");
            calls.forEach((name, f) -> results.set(name, f.join()));
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            ex.getResponseSender().send(root.toString());
        }));
    }

    /** Calls one peer for a whole answer; completes (never exceptionally) with the answer or the error in its place. */
    private CompletableFuture<JsonNode> call(PeerRegistry.Peer p, byte[] payload, String onBehalf) {
        Duration t = p.config().timeout();
        AtomicBoolean timedOut = new AtomicBoolean();
        CompletableFuture<HttpResponse<byte[]>> f = peers.http().sendAsync(request(p, payload, t, onBehalf), info -> {
            p.responded();
            return new LimitedBody(MAX_ANSWER_BYTES);
        });
        ScheduledFuture<?> cutoff = after(t, () -> {
            timedOut.set(true);
            f.cancel(true);
        });
        return f.handle((r, err) -> {
            if (cutoff != null) {
                cutoff.cancel(false);
            }
            if (err != null) {
                return timedOut.get() ? timeout(p) : failure(p, err);
            }
            return answer(r.statusCode(), r.body());
        });
    }

    private void stream(HttpServerExchange ex, List<PeerRegistry.Peer> targets, byte[] payload) {
        List<Relay> relays = new ArrayList<>();
        EventStream out = EventStream.open(ex, () -> relays.forEach(Relay::abandon));
        AtomicInteger remaining = new AtomicInteger(targets.size());
        Runnable finished = () -> {
            if (remaining.decrementAndGet() == 0) {
                out.send("[DONE]", null);
                out.end();
            }
        };
        for (PeerRegistry.Peer p : targets) {
            relays.add(new Relay(p, out, finished));
        }
        for (Relay r : relays) {
            String refusal = r.peer.refusal();
            if (refusal != null) {
                r.finish(() -> event(r.name, "error", error("peer_unavailable", refusal, null).path("error")));
            } else {
                r.start(payload, ex.getAttachment(AccessHandler.ON_BEHALF));
            }
        }
    }

    /**
     * One streamed peer: its SSE {@code data:} lines, each wrapped with the peer's name; exactly one final
     * event (done, or an error) whatever happens first: the end of its stream, a failure, its time limit.
     * Reads one batch of body bytes at a time and asks for the next once the batch's last event was flushed
     * to the client; a line longer than {@link #MAX_LINE_BYTES} ends the peer with {@code peer_error}.
     */
    private final class Relay implements Flow.Subscriber<List<ByteBuffer>> {
        private final PeerRegistry.Peer peer;
        private final String name;
        private final EventStream out;
        private final Runnable finished;
        private boolean over;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean afterCr;
        private Flow.Subscription subscription;
        private CompletableFuture<?> call;
        private ScheduledFuture<?> cutoff;

        Relay(PeerRegistry.Peer peer, EventStream out, Runnable finished) {
            this.peer = peer;
            this.name = peer.config().name();
            this.out = out;
            this.finished = finished;
        }

        void start(byte[] payload, String onBehalf) {
            Duration t = peer.config().timeout();
            ScheduledFuture<?> c = after(t, () -> finish(() -> event(name, "error",
                    error("peer_timeout", "peer '" + name + "' did not finish within " + t, null).path("error"))));
            CompletableFuture<HttpResponse<Void>> f = peers.http().sendAsync(request(peer, payload, t, onBehalf), this::body);
            f.whenComplete((r, err) -> {
                if (err != null) {
                    finish(() -> event(name, "error", failure(peer, err).path("error")));
                }
            });
            synchronized (this) {
                cutoff = c;
                call = f;
                if (over) {
                    cancel();
                }
            }
        }

        private HttpResponse.BodySubscriber<Void> body(HttpResponse.ResponseInfo info) {
            peer.responded();
            int status = info.statusCode();
            if (status != 200) {
                return HttpResponse.BodySubscribers.mapping(new LimitedBody(MAX_ANSWER_BYTES), bytes -> {
                    finish(() -> event(name, "error", answer(status, bytes).path("error")));
                    return null;
                });
            }
            return HttpResponse.BodySubscribers.fromSubscriber(this);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            synchronized (this) {
                subscription = s;
                if (over) {
                    s.cancel();
                    return;
                }
            }
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            List<String> events = new ArrayList<>();
            for (ByteBuffer b : items) {
                while (b.hasRemaining()) {
                    byte c = b.get();
                    // SSE lines end with LF, CR or CRLF; in UTF-8 neither byte occurs inside a character.
                    if (c == '\n' && afterCr) {
                        afterCr = false;
                        continue;
                    }
                    afterCr = c == '\r';
                    if (c == '\n' || c == '\r') {
                        String l = line.toString(StandardCharsets.UTF_8);
                        line.reset();
                        if (!take(l, events)) {
                            return;
                        }
                    } else if (line.size() >= MAX_LINE_BYTES) {
                        send(events, null);
                        finish(() -> event(name, "error", error("peer_error", "peer '" + name + "' sent an event over "
                                + MAX_LINE_BYTES + " bytes", null).path("error")));
                        return;
                    } else {
                        line.write(c);
                    }
                }
            }
            Flow.Subscription s = subscription;
            if (events.isEmpty()) {
                s.request(1);
            } else {
                send(events, () -> s.request(1));
            }
        }

        /**
         * Adds the event of one SSE line to {@code events}; on {@code [DONE]} sends them and this peer's done event
         * and returns false.
         */
        private boolean take(String l, List<String> events) {
            if (!l.startsWith("data:")) {
                return true;
            }
            String data = l.substring(5).strip();
            if (data.equals("[DONE]")) {
                send(events, null);
                finish(() -> event(name, "done", mapper.getNodeFactory().booleanNode(true)));
                return false;
            }
            JsonNode parsed;
            try {
                parsed = mapper.readTree(data);
            } catch (IOException e) {
                parsed = mapper.getNodeFactory().textNode(data);
            }
            events.add(event(name, "data", parsed));
            return true;
        }

        /** Queues {@code events} for the client unless this peer is over; {@code afterLast} runs once the last is flushed. */
        private synchronized void send(List<String> events, Runnable afterLast) {
            if (over) {
                return;
            }
            for (int i = 0; i < events.size(); i++) {
                out.send(events.get(i), i == events.size() - 1 ? afterLast : null);
            }
        }

        @Override
        public void onError(Throwable t) {
            finish(() -> event(name, "error", failure(peer, t).path("error")));
        }

        @Override
        public void onComplete() {
            if (line.size() > 0) {
                List<String> events = new ArrayList<>();
                String l = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (!take(l, events)) {
                    return;
                }
                send(events, null);
            }
            finish(() -> event(name, "error", error("peer_stream_ended", "peer '" + name + "' ended its stream without [DONE]", null)
                    .path("error")));
        }

        /** Sends this peer's final event, unless it already has one; stops reading the peer. */
        void finish(Supplier<String> last) {
            synchronized (this) {
                if (over) {
                    return;
                }
                over = true;
                out.send(last.get(), null);
                cancel();
            }
            finished.run();
        }

        /** The client left: stop everything, send nothing. */
        void abandon() {
            synchronized (this) {
                over = true;
                cancel();
            }
        }

        private void cancel() {
            if (cutoff != null) {
                cutoff.cancel(false);
            }
            if (subscription != null) {
                subscription.cancel();
            }
            if (call != null) {
                call.cancel(true);
            }
        }
    }

    private JsonNode answer(int status, byte[] bytes) {
        JsonNode parsed;
        try {
            parsed = mapper.readTree(bytes);
        } catch (IOException e) {
            parsed = null;
        }
        if (status >= 200 && status < 300 && parsed != null && parsed.isObject()) {
            return parsed;
        }
        JsonNode peerError = parsed != null && parsed.path("error").isObject() ? parsed.path("error") : null;
        return error("peer_error", "the peer answered " + status, peerError).put("status", status);
    }

    private ObjectNode timeout(PeerRegistry.Peer p) {
        return error("peer_timeout", "peer '" + p.config().name() + "' did not answer within " + p.config().timeout(), null);
    }

    private ObjectNode failure(PeerRegistry.Peer p, Throwable err) {
        Throwable e = err;
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        String name = p.config().name();
        if (e instanceof HttpTimeoutException) {
            return timeout(p);
        }
        if (e instanceof LimitedBody.TooLarge) {
            return error("peer_error", "peer '" + name + "': " + e.getMessage(), null);
        }
        if (e instanceof CancellationException) {
            return error("peer_cancelled", "the call to peer '" + name + "' was cancelled", null);
        }
        p.unavailable("not reachable: " + PeerRegistry.rootMessage(e));
        return error("peer_unavailable", "peer '" + name + "' is unavailable: " + PeerRegistry.rootMessage(e), null);
    }

    private ObjectNode error(String code, String message, JsonNode peerError) {
        ObjectNode o = mapper.createObjectNode();
        ObjectNode e = o.putObject("error");
        e.put("code", code).put("message", message);
        if (peerError != null) {
            e.set("peer_error", peerError);
        }
        return o;
    }

    private String event(String peer, String field, JsonNode value) {
        ObjectNode o = mapper.createObjectNode();
        o.put("peer", peer);
        o.set(field, value);
        return o.toString();
    }
}
