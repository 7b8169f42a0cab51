package dev.hermesfront.gateway.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.proxy.ProxyRequestHandler;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * {@code POST /v1/fanout/chat/completions}: the usual chat body plus {@code "peers": ["a", "b"]}, sent to
 * each named peer's {@code /v1/chat/completions} in parallel with that peer's credential.
 *
 * <p>Without {@code stream}: {@code {"results": {"a": {...}, "b": {"error": {...}}}}}, each peer's answer
 * or an error in its place, once all are done. With {@code "stream": true}: one SSE stream whose every
 * event is {@code data: {"peer": "a", "data": <the peer's event>}}, then {@code {"peer": "a", "done": true}}
 * or {@code {"peer": "a", "error": {...}}} per peer, then {@code data: [DONE]} when all are done. Each peer
 * has its own time limit (headers and body) and a peer that is slow, down or failing only produces an
 * error for itself. Runs on a worker thread (blocking IO); peer calls run on the registry's bounded pool.
 */
public final class FanOutHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(FanOutHandler.class.getName());
    /** Most peers one fan-out request may name. */
    static final int MAX_PEERS = 32;
    private static final String END = new String("<end>");

    private final PeerRegistry peers;
    private final ObjectMapper mapper;

    public FanOutHandler(PeerRegistry peers) {
        this.peers = peers;
        this.mapper = peers.mapper();
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (!ex.getRequestMethod().equalToString("POST")) {
            ex.getResponseHeaders().put(Headers.ALLOW, "POST");
            ErrorResponses.send(ex, 405, "method_not_allowed", "use POST");
            return;
        }
        if (!ex.isBlocking()) {
            ex.startBlocking();
        }
        JsonNode body;
        try {
            body = mapper.readTree(ex.getInputStream());
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
        byte[] payload = mapper.writeValueAsBytes(forward);
        ex.getResponseHeaders().put(ProxyRequestHandler.PEER_HEADER, String.join(",", names));
        if (body.path("stream").asBoolean(false)) {
            stream(ex, names, payload);
        } else {
            whole(ex, names, payload);
        }
    }

    private HttpRequest request(PeerRegistry.Peer p, byte[] payload, Duration timeout) {
        return HttpRequest.newBuilder(p.config().url().resolve("/v1/chat/completions")).timeout(timeout)
                .header("Authorization", p.config().credential().authorization())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build();
    }

    private void whole(HttpServerExchange ex, Set<String> names, byte[] payload) throws Exception {
        Map<String, CompletableFuture<JsonNode>> calls = new LinkedHashMap<>();
        for (String name : names) {
            PeerRegistry.Peer p = peers.find(name).orElseThrow();
            String refusal = p.refusal();
            if (refusal != null) {
                calls.put(name, CompletableFuture.completedFuture(error("peer_unavailable", refusal, null)));
                continue;
            }
            Duration t = p.config().timeout();
            calls.put(name, peers.http().sendAsync(request(p, payload, t), HttpResponse.BodyHandlers.ofByteArray())
                    .orTimeout(t.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((r, err) -> {
                        if (err != null) {
                            return failure(p, err);
                        }
                        p.responded();
                        return answer(r.statusCode(), r.body());
                    }));
        }
        ObjectNode root = mapper.createObjectNode();
        ObjectNode results = root.putObject("results");
        for (Map.Entry<String, CompletableFuture<JsonNode>> c : calls.entrySet()) {
            // Each future completes by its own timeout; this wait is bounded by the longest of them.
            results.set(c.getKey(), c.getValue().get());
        }
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseSender().send(mapper.writeValueAsString(root));
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

    private ObjectNode failure(PeerRegistry.Peer p, Throwable err) {
        Throwable e = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        String name = p.config().name();
        if (e instanceof TimeoutException || e instanceof HttpTimeoutException) {
            return error("peer_timeout", "peer '" + name + "' did not answer within " + p.config().timeout(), null);
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

    private void stream(HttpServerExchange ex, Set<String> names, byte[] payload) throws IOException, InterruptedException {
        BlockingQueue<String> events = new ArrayBlockingQueue<>(256);
        Map<String, Stream<String>> open = new ConcurrentHashMap<>();
        List<Future<?>> tasks = new ArrayList<>();
        for (String name : names) {
            PeerRegistry.Peer p = peers.find(name).orElseThrow();
            String refusal = p.refusal();
            if (refusal != null) {
                events.put(event(name, "error", error("peer_unavailable", refusal, null).path("error")));
                events.put(END);
                continue;
            }
            try {
                tasks.add(peers.executor().submit(() -> relay(p, payload, events, open)));
            } catch (RejectedExecutionException e) {
                events.put(event(name, "error", error("overloaded", "too many fan-out calls in progress", null).path("error")));
                events.put(END);
            }
        }
        ex.setStatusCode(200);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        OutputStream out = ex.getOutputStream();
        int remaining = names.size();
        try {
            out.flush();
            while (remaining > 0) {
                String e = events.poll(1, TimeUnit.SECONDS);
                if (e == null) {
                    continue;
                }
                if (e == END) {
                    remaining--;
                    continue;
                }
                out.write(("data: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "fan-out client left: {0}", e.getMessage());
        } finally {
            tasks.forEach(t -> t.cancel(true));
            open.values().forEach(Stream::close);
        }
        out.close();
    }

    /** Streams one peer's SSE into {@code events}, each data line wrapped with the peer's name; always ends with END. */
    private void relay(PeerRegistry.Peer p, byte[] payload, BlockingQueue<String> events, Map<String, Stream<String>> open) {
        String name = p.config().name();
        Duration t = p.config().timeout();
        long deadline = System.nanoTime() + t.toNanos();
        java.util.concurrent.ScheduledFuture<?> cutoff = null;
        try {
            HttpResponse<Stream<String>> r = peers.http().sendAsync(request(p, payload, t), HttpResponse.BodyHandlers.ofLines())
                    .get(t.toMillis(), TimeUnit.MILLISECONDS);
            p.responded();
            Stream<String> lines = r.body();
            open.put(name, lines);
            if (r.statusCode() != 200) {
                String text = String.join("\n", (Iterable<String>) lines::iterator);
                events.put(event(name, "error", answer(r.statusCode(), text.getBytes(StandardCharsets.UTF_8)).path("error")));
                return;
            }
            long left = deadline - System.nanoTime();
            java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
            cutoff = timer().schedule(() -> {
                timedOut.set(true);
                lines.close();
            }, Math.max(1, left), TimeUnit.NANOSECONDS);
            boolean done = false;
            try {
                for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                    String line = it.next();
                    if (!line.startsWith("data:")) {
                        continue;
                    }
                    String data = line.substring(5).strip();
                    if (data.equals("[DONE]")) {
                        done = true;
                        break;
                    }
                    JsonNode parsed;
                    try {
                        parsed = mapper.readTree(data);
                    } catch (IOException e) {
                        parsed = mapper.getNodeFactory().textNode(data);
                    }
                    events.put(event(name, "data", parsed));
                }
            } catch (RuntimeException e) {
                if (!timedOut.get()) {
                    throw e;
                }
            }
            if (timedOut.get()) {
                events.put(event(name, "error", error("peer_timeout", "peer '" + name + "' did not finish within " + t, null).path("error")));
            } else if (done) {
                events.put(event(name, "done", mapper.getNodeFactory().booleanNode(true)));
            } else {
                events.put(event(name, "error", error("peer_stream_ended", "peer '" + name + "' ended its stream without [DONE]", null)
                        .path("error")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            try {
                events.put(event(name, "error", failure(p, cause).path("error")));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        } finally {
            if (cutoff != null) {
                cutoff.cancel(false);
            }
            Stream<String> s = open.remove(name);
            if (s != null) {
                s.close();
            }
            try {
                events.put(END);
            } catch (InterruptedException e) {
                // Only the writer cancels us, and only once it no longer counts ENDs.
                Thread.currentThread().interrupt();
            }
        }
    }

    private java.util.concurrent.ScheduledExecutorService timer() {
        return peers.timers();
    }

    private String event(String peer, String field, JsonNode value) {
        ObjectNode o = mapper.createObjectNode();
        o.put("peer", peer);
        o.set(field, value);
        return o.toString();
    }
}
