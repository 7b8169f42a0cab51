package dev.hermesfront.gateway.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.RemoteSettings;
import dev.hermesfront.gateway.config.RemoteSettings.NotifySettings;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notifications, against a webhook and an ntfy-style receiver on 127.0.0.1: exactly one signed notification when an
 * approval waits and its owner is away, none when the owner is attached and answers, never a sudo prompt's text.
 */
class NotifierTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOKEN = "notify-owner-token-0123456789";
    private static final String KEY = "webhook-signing-key-for-the-test";

    @TempDir
    Path dir;
    private HttpServer receiver;
    private final LinkedBlockingQueue<Map<String, String>> webhook = new LinkedBlockingQueue<>(100);
    private final LinkedBlockingQueue<Map<String, String>> ntfy = new LinkedBlockingQueue<>(100);
    private GatewayServer server;
    private final List<WsTestClient> clients = new ArrayList<>();
    /** The session {@link #ask} opened. */
    private String sid;

    @BeforeEach
    void receiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            webhook.offer(Map.of("body", body, "signature", String.valueOf(ex.getRequestHeaders().getFirst(Notifier.SIGNATURE)),
                    "type", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"))));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.createContext("/topic", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            ntfy.offer(Map.of("body", body, "title", String.valueOf(ex.getRequestHeaders().getFirst("Title"))));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        clients.forEach(WsTestClient::close);
        if (server != null) {
            server.close();
        }
        receiver.stop(0);
    }

    private void start(Duration after, Optional<Secret> secret) throws Exception {
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(TOKEN)))
                .parking(new ParkingPolicy(Duration.ofSeconds(30), 1000, 1 << 20))
                .audit(dir.resolve("audit.jsonl")).get();
        cfg = cfg.withRemote(RemoteSettings.none().withStateDir(dir.resolve("state")).withNotify(new NotifySettings(
                Optional.of(URI.create(base + "/hook")), Optional.of(URI.create(base + "/topic")), secret, after)));
        server = GatewayServer.builder(cfg, new CurrentWireLauncher(AgentJson.newMapper(), new FrameCodec())).build().start();
    }

    private WsTestClient connect() throws Exception {
        WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws?token=" + TOKEN));
        clients.add(c);
        return c;
    }

    private static String call(String id, String method, String params) {
        return "{\"jsonrpc\": \"2.0\", \"id\": \"" + id + "\", \"method\": \"" + method + "\", \"params\": " + params + "}";
    }

    private static JsonNode until(WsTestClient c, Predicate<JsonNode> p) throws Exception {
        while (true) {
            JsonNode f = MAPPER.readTree(c.next());
            if (p.test(f)) {
                return f;
            }
        }
    }

    /** Attaches, advertises server requests, opens a session and submits {@code text}; returns the request frame. */
    private JsonNode ask(WsTestClient owner, String text) throws Exception {
        owner.next();
        owner.send(call("cap", "client.capabilities", "{\"server_requests\": true}"));
        until(owner, f -> f.path("id").asText("").equals("cap"));
        owner.send(call("c1", "session.create", "{\"cols\": 80}"));
        sid = until(owner, f -> f.path("id").asText("").equals("c1")).path("result").path("session_id").asText();
        owner.send(call("p1", "prompt.submit", "{\"session_id\": \"" + sid + "\", \"text\": \"" + text + "\"}"));
        return until(owner, f -> f.path("id").asText("").startsWith("srq-"));
    }

    @Test
    void oneSignedNotificationWhenAnApprovalWaitsAndItsOwnerIsAway() throws Exception {
        start(Duration.ofSeconds(30), Optional.of(Secret.of(KEY)));
        WsTestClient owner = connect();
        JsonNode request = ask(owner, "APPROVE rm -rf /srv/precious");
        assertEquals("approval", request.path("method").asText());
        assertNull(webhook.poll(300, TimeUnit.MILLISECONDS), "the owner is attached: nothing yet");
        owner.close();
        Map<String, String> got = webhook.poll(10, TimeUnit.SECONDS);
        assertNotNull(got, "a notification once the owner is away");
        assertEquals("sha256=" + Notifier.sign(KEY.getBytes(StandardCharsets.UTF_8), got.get("body")), got.get("signature"));
        JsonNode n = MAPPER.readTree(got.get("body"));
        assertEquals("approval", n.path("kind").asText());
        assertEquals("nobody_attached", n.path("reason").asText());
        assertEquals("token", n.path("owner").asText());
        assertTrue(n.path("url").asText().endsWith("/front/"), n.toString());
        assertFalse(n.path("session").asText().isEmpty(), n.toString());
        assertFalse(n.path("machine").asText().isEmpty(), n.toString());
        assertFalse(got.get("body").contains("precious"), "the command stays out of the notification");
        Map<String, String> topic = ntfy.poll(10, TimeUnit.SECONDS);
        assertNotNull(topic);
        assertTrue(topic.get("body").contains("approval"), topic.toString());
        // The owner comes back (the request is offered again) and leaves again: still one notification.
        WsTestClient back = connect();
        until(back, f -> f.path("id").asText("").startsWith("srq-"));
        back.close();
        assertNull(webhook.poll(1500, TimeUnit.MILLISECONDS), "one notification per request");
        String audit = Files.readString(dir.resolve("audit.jsonl"));
        assertTrue(audit.contains("\"notify_sent\""), audit);
    }

    @Test
    void noNotificationWhenTheOwnerIsAttachedAndAnswers() throws Exception {
        start(Duration.ofMillis(800), Optional.of(Secret.of(KEY)));
        WsTestClient owner = connect();
        JsonNode request = ask(owner, "APPROVE it");
        owner.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + request.path("id").asText() + "\", \"result\": {\"choice\": \"once\"}}");
        until(owner, f -> f.path("params").path("type").asText("").equals("message.complete"));
        assertNull(webhook.poll(2, TimeUnit.SECONDS), "answered within notify.after: no notification");
        assertNull(ntfy.poll(10, TimeUnit.MILLISECONDS));
    }

    @Test
    void noNotificationWhenTheOwnerAnswersByMethod() throws Exception {
        start(Duration.ofMillis(800), Optional.of(Secret.of(KEY)));
        WsTestClient owner = connect();
        ask(owner, "APPROVE it");
        owner.send(call("r1", "approval.respond", "{\"session_id\": \"" + sid + "\", \"choice\": \"once\"}"));
        until(owner, f -> f.path("params").path("type").asText("").equals("message.complete"));
        assertNull(webhook.poll(2, TimeUnit.SECONDS), "approval.respond settles the request too: no notification");
    }

    @Test
    void anUnansweredRequestIsNotifiedAfterTheDelayWithoutItsSudoText() throws Exception {
        start(Duration.ofMillis(300), Optional.empty());
        WsTestClient owner = connect();
        JsonNode request = ask(owner, "SUDO apt-get install hunter2-package");
        assertEquals("sudo", request.path("method").asText());
        Map<String, String> got = webhook.poll(10, TimeUnit.SECONDS);
        assertNotNull(got, "unanswered past notify.after");
        JsonNode n = MAPPER.readTree(got.get("body"));
        assertEquals("sudo", n.path("kind").asText());
        assertEquals("unanswered", n.path("reason").asText());
        assertFalse(got.get("body").contains("hunter2") || got.get("body").contains("apt-get"), got.get("body"));
        Map<String, String> topic = ntfy.poll(10, TimeUnit.SECONDS);
        assertFalse(topic.get("body").contains("hunter2") || topic.get("body").contains("apt-get"), topic.get("body"));
        // Without notify.secret the key is generated once in the state directory, 0600, and signs the body.
        Path secret = dir.resolve("state").resolve("notify-secret");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
        assertEquals("sha256=" + Notifier.sign(Files.readString(secret).strip().getBytes(StandardCharsets.UTF_8), got.get("body")),
                got.get("signature"));
        assertNull(webhook.poll(700, TimeUnit.MILLISECONDS), "one notification per request");
    }
}
