package dev.hermesfront.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One peer machine for the multi-machine tests, in-process or as its own process ({@link #main}) inside a
 * network namespace. {@code front}: a real hermes-front (demo agent) bound to HOST:PORT with a token, in
 * front of a fake API server on 127.0.0.1:0 that answers as NAME after DELAY ms. {@code echo}: a bare HTTP
 * server on HOST:PORT that answers every request with the headers and query it received, to show what a
 * coordinator sends to a peer. Test double only.
 */
public final class PeerNode implements AutoCloseable {
    public static final String API_KEY = "sk-peer-inner-key-0123456789";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpServer api;
    private final GatewayServer front;
    private final ExecutorService pool;

    private PeerNode(HttpServer api, GatewayServer front, ExecutorService pool) {
        this.api = api;
        this.front = front;
        this.pool = pool;
    }

    /** Starts a hermes-front peer called {@code name} on host:port whose API server answers after {@code delay}. */
    public static PeerNode front(String name, String host, int port, String token, Duration delay) throws Exception {
        ExecutorService pool = pool();
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        api.setExecutor(pool);
        api.createContext("/", ex -> fakeApi(ex, name, delay));
        api.start();
        URI apiUri = URI.create("http://127.0.0.1:" + api.getAddress().getPort());
        // The coordinator's credential here delegates: the coordinator acts for its users (issue 21, F3).
        GatewayConfig cfg = GatewayConfig.of(new InetSocketAddress(host, port), dev.hermesfront.gateway.config.Credentials.of(
                java.util.List.of(new dev.hermesfront.gateway.config.Credential.Token("token", Secret.of(token), "admin")),
                java.util.Set.of("token")))
                ; cfg = ConfigEdit.edit(cfg).upstreams(UpstreamConfig.of(apiUri, Secret.of(API_KEY)), null).get();
        // Peers listen on their own (test network namespace) addresses in plaintext, as a tailnet would carry them.
        cfg = cfg.withRemote(cfg.remote().withInsecurePlaintext());
        GatewayServer front = GatewayServer.builder(cfg, new DemoLauncher(MAPPER, new FrameCodec())).build().start();
        return new PeerNode(api, front, pool);
    }

    /** Starts a header-echo peer on host:port. */
    public static PeerNode echo(String host, int port) throws IOException {
        ExecutorService pool = pool();
        HttpServer s = HttpServer.create(new InetSocketAddress(host, port), 64);
        s.setExecutor(pool);
        s.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ObjectNode o = MAPPER.createObjectNode();
            o.put("path", ex.getRequestURI().getRawPath());
            o.put("query", ex.getRequestURI().getRawQuery());
            ObjectNode h = o.putObject("headers");
            ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(), String.join(", ", v)));
            send(ex, 200, "application/json", MAPPER.writeValueAsString(o));
        });
        s.start();
        return new PeerNode(s, null, pool);
    }

    /** Returns the bound port of the peer's public listener. */
    public int port() {
        return front != null ? front.port() : api.getAddress().getPort();
    }

    private static ExecutorService pool() {
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "peer-node");
            t.setDaemon(true);
            return t;
        });
    }

    private static void fakeApi(HttpExchange ex, String name, Duration delay) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = ex.getRequestURI().getPath();
        if (!("Bearer " + API_KEY).equals(ex.getRequestHeaders().getFirst("Authorization")) && !path.equals("/health")) {
            send(ex, 401, "application/json", "{\"error\": {\"message\": \"Invalid API key\"}}");
            return;
        }
        try {
            if (path.equals("/health")) {
                send(ex, 200, "application/json", "{\"status\": \"ok\", \"peer\": \"" + name + "\"}");
            } else if (path.equals("/v1/models")) {
                send(ex, 200, "application/json", "{\"object\": \"list\", \"data\": [{\"id\": \"hermes-" + name + "\"}]}");
            } else if (path.equals("/v1/chat/completions")) {
                boolean stream = MAPPER.readTree(body).path("stream").asBoolean(false);
                if (!stream) {
                    Thread.sleep(delay.toMillis());
                    send(ex, 200, "application/json", "{\"id\": \"c-" + name + "\", \"object\": \"chat.completion\", \"choices\": "
                            + "[{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"from " + name + "\"}}]}");
                    return;
                }
                ex.getResponseHeaders().add("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    for (int i = 0; i < 3; i++) {
                        Thread.sleep(delay.toMillis() / 3);
                        out.write(("data: {\"object\": \"chat.completion.chunk\", \"choices\": [{\"delta\": {\"content\": \"" + name + "-" + i
                                + "\"}}]}\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                }
            } else {
                send(ex, 404, "application/json", "{\"error\": {\"message\": \"not found\"}}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the coordinator gave up on us (a timeout test)
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        if (front != null) {
            front.close();
        }
        api.stop(0);
        pool.shutdownNow();
    }

    /**
     * {@code front NAME HOST PORT TOKEN DELAY_MS} or {@code echo HOST PORT}: runs until stdin closes, after
     * printing {@code READY PORT}.
     */
    public static void main(String[] args) throws Exception {
        PeerNode node = args[0].equals("echo") ? echo(args[1], Integer.parseInt(args[2]))
                : front(args[1], args[2], Integer.parseInt(args[3]), args[4], Duration.ofMillis(Long.parseLong(args[5])));
        System.out.println("READY " + node.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to go away
        }
        node.close();
        System.exit(0);
    }
}
