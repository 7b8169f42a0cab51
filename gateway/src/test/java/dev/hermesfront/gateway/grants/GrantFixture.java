package dev.hermesfront.gateway.grants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.AuthSettings;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.ops.ConfigSource;
import dev.hermesfront.gateway.ops.ReloadReport;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** A front on the current-wire stand-in agent whose credentials a test reloads, with a clock share links expire by. */
final class GrantFixture implements AutoCloseable {
    static final ObjectMapper MAPPER = new ObjectMapper();

    final MutableClock clock = new MutableClock();
    final AtomicReference<Credentials> next = new AtomicReference<>();
    final HttpClient http = HttpClient.newHttpClient();
    final List<WsTestClient> clients = new ArrayList<>();
    final Path audit;
    GatewayServer server;
    AgentLauncher agent;

    GrantFixture(Path dir, HubSettings hub, Credential... creds) throws Exception {
        this(dir, hub, new CurrentWireLauncher(AgentJson.newMapper(), new FrameCodec()), creds);
    }

    GrantFixture(Path dir, HubSettings hub, AgentLauncher launcher, Credential... creds) throws Exception {
        this(dir, hub, launcher, Credentials.of(List.of(creds)));
    }

    GrantFixture(Path dir, HubSettings hub, AgentLauncher launcher, Credentials cs) throws Exception {
        this(dir, hub, launcher, cs, false);
    }

    /** With {@code stateDir}: the front keeps a state directory (paired devices, the local admin credential) in {@code dir}. */
    GrantFixture(Path dir, HubSettings hub, AgentLauncher launcher, Credentials cs, boolean stateDir) throws Exception {
        audit = dir.resolve("audit.jsonl");
        next.set(cs);
        GatewayConfig plain = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), cs))
                .audit(audit).get();
        GatewayConfig cfg = stateDir ? plain.withRemote(dev.hermesfront.gateway.config.RemoteSettings.none().withStateDir(dir.resolve("state")))
                : plain;
        agent = launcher;
        ConfigSource source = () -> new ConfigSource.Fresh(cfg.withAuth(new AuthSettings(next.get(), cfg.auth().proxy())), List.of());
        server = GatewayServer.builder(cfg, agent).source(source).hub(hub).build().shareClock(clock).start();
    }

    ReloadReport reload(Credential... creds) {
        next.set(Credentials.of(List.of(creds)));
        return server.reload();
    }

    WsTestClient connect(String query) throws Exception {
        WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws" + query));
        clients.add(c);
        return c;
    }

    HttpResponse<String> rest(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Mints a WebSocket ticket with {@code token}. */
    String ticket(String token) throws Exception {
        HttpResponse<String> r = rest("POST", "/api/auth/ws-ticket", token, null);
        if (r.statusCode() != 200) {
            throw new AssertionError("ticket: " + r.statusCode() + " " + r.body());
        }
        return MAPPER.readTree(r.body()).path("ticket").asText();
    }

    /** Returns the id of the one agent {@code token} owns (waits until it exists). */
    String agentOf(String token) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            JsonNode list = MAPPER.readTree(rest("GET", "/front/agents", token, null).body()).path("agents");
            if (list.size() > 0) {
                return list.get(0).path("id").asText();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no agent");
            }
            Thread.sleep(10);
        }
    }

    /** Mints a share link; returns the answer ({@code id}, {@code token}, …), or throws with the status. */
    JsonNode share(String token, String agent, String role, String ttl) throws Exception {
        HttpResponse<String> r = rest("POST", "/front/agents/" + agent + "/share", token, "{\"role\": \"" + role + "\", \"ttl\": \"" + ttl + "\"}");
        if (r.statusCode() != 201) {
            throw new AssertionError("share: " + r.statusCode() + " " + r.body());
        }
        return MAPPER.readTree(r.body());
    }

    static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    static String call(String id, String method, String params) {
        return "{\"jsonrpc\": \"2.0\", \"id\": \"" + id + "\", \"method\": \"" + method + "\", \"params\": " + params + "}";
    }

    /** Reads frames until one matches; returns every frame read, the match last. */
    static List<JsonNode> until(WsTestClient c, Predicate<JsonNode> p) throws Exception {
        List<JsonNode> seen = new ArrayList<>();
        while (true) {
            String raw = c.next();
            JsonNode f = json(raw);
            seen.add(f);
            if (p.test(f)) {
                return seen;
            }
        }
    }

    /** Returns the answer to call {@code id}. */
    static JsonNode answer(WsTestClient c, String id) throws Exception {
        List<JsonNode> seen = until(c, f -> f.path("id").asText("").equals(id) && !f.has("method"));
        return seen.get(seen.size() - 1);
    }

    /** Creates a session; returns its live id. */
    static String session(WsTestClient c, String id) throws Exception {
        c.send(call(id, "session.create", "{}"));
        return answer(c, id).path("result").path("session_id").asText();
    }

    static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    String auditText() throws Exception {
        return Files.exists(audit) ? Files.readString(audit) : "";
    }

    @Override
    public void close() {
        clients.forEach(WsTestClient::close);
        if (server != null) {
            server.close();
        }
    }

    /** A clock a test moves forward. */
    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-12-06T12:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
