package dev.hermesfront.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.RawHttp;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.Settings;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reload without drops: credentials change in place; a client whose credential is unchanged keeps its
 * connection and agent; removed ones are closed 4401 and narrowed ones 4403; restart-only settings are
 * reported and keep their running value; a bad configuration changes nothing.
 */
class ReloadTest {
    static final String KEEP = "keep-token-0123456789";
    static final String OLD = "old-token-0123456789";
    static final String NEW = "new-token-0123456789";
    static final String NARROW = "narrow-token-0123456789";
    private final AtomicReference<Object> next = new AtomicReference<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    private GatewayServer server;

    private static GatewayConfig config(Credential... creds) {
        return GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Credentials.of(List.of(creds)));
    }

    private void start(GatewayConfig initial) throws Exception {
        server = GatewayServer.builder(initial, new DemoLauncher(new ObjectMapper(), new FrameCodec())).source(() -> {
            Object n = next.get();
            if (n instanceof ConfigException e) {
                throw e;
            }
            return new ConfigSource.Fresh((GatewayConfig) n, List.of());
        }).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private WsTestClient attach(String token) throws Exception {
        WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws?token=" + token));
        open.add(c);
        return c;
    }

    /** Sends session.create with {@code id} and returns the answer to it (events before it are skipped; bounded by next()). */
    private static String chat(WsTestClient c, int id) throws Exception {
        c.send("{\"jsonrpc\": \"2.0\", \"id\": " + id + ", \"method\": \"session.create\", \"params\": {}}");
        for (int i = 0; i < 20; i++) {
            String m = c.next();
            if (m.replace(" ", "").contains("\"id\":" + id + ",") || m.replace(" ", "").contains("\"id\":" + id + "}")) {
                return m;
            }
        }
        throw new AssertionError("no answer to request " + id);
    }

    @Test
    void aNewTokenAttachesTheOldOneIsRefusedAndAnUnchangedClientKeepsChatting() throws Exception {
        start(config(new Credential.Token("keep", Secret.of(KEEP), "chat"), new Credential.Token("old", Secret.of(OLD), "chat"),
                new Credential.Token("narrow", Secret.of(NARROW), "chat")));
        WsTestClient kept = attach(KEEP);
        String ready = kept.next();
        assertTrue(chat(kept, 1).contains("result"));
        WsTestClient removed = attach(OLD);
        removed.next();
        WsTestClient narrowed = attach(NARROW);
        narrowed.next();

        next.set(config(new Credential.Token("keep", Secret.of(KEEP), "chat"), new Credential.Token("new", Secret.of(NEW), "chat"),
                new Credential.Token("narrow", Secret.of(NARROW), "read")));
        ReloadReport r = server.reload();

        assertTrue(r.applied(), r.summary());
        assertEquals(List.of("credentials"), r.changed());
        assertEquals(Set.of("old:4401", "narrow:4403"), Set.copyOf(r.closed()));
        assertEquals(4401, removed.closeCode());
        assertEquals(4403, narrowed.closeCode());
        // The unchanged client was not reconnected: same socket, same agent, still chatting.
        assertFalse(kept.isClosed());
        assertTrue(chat(kept, 2).contains("result"));
        assertTrue(ready.contains("gateway.ready"));
        WsTestClient fresh = attach(NEW);
        assertTrue(fresh.next().contains("gateway.ready"));
        WsTestClient refused = attach(OLD);
        assertEquals(4401, refused.closeCode());
    }

    @Test
    void aParkedAgentOfARemovedCredentialIsStoppedNotKeptForItsNextHolder() throws Exception {
        start(config(new Credential.Token("keep", Secret.of(KEEP), "chat"), new Credential.Token("old", Secret.of(OLD), "chat")));
        WsTestClient gone = attach(OLD);
        gone.next();
        assertTrue(chat(gone, 1).contains("result"));
        gone.close();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (server.connections() != 0) {
            assertTrue(System.nanoTime() < deadline, "the client never left");
            Thread.sleep(10);
        }
        next.set(config(new Credential.Token("keep", Secret.of(KEEP), "chat")));
        ReloadReport r = server.reload();
        assertTrue(r.closed().contains("old:parked"), r.summary());
        // The name comes back (another holder, another secret would do the same): it gets a new agent, not the old one.
        next.set(config(new Credential.Token("keep", Secret.of(KEEP), "chat"), new Credential.Token("old", Secret.of(OLD), "chat")));
        assertTrue(server.reload().applied());
        WsTestClient back = attach(OLD + "&resume=");
        String ready = back.next();
        assertTrue(ready.contains("\"reattached\": false") || ready.contains("\"reattached\":false"), ready);
    }

    @Test
    void aBadConfigurationChangesNothingAndSaysWhy() throws Exception {
        start(config(new Credential.Token("keep", Secret.of(KEEP), "chat")));
        WsTestClient kept = attach(KEEP);
        kept.next();
        next.set(new ConfigException("front.yaml:3: unknown key \"tokn\" under credentials[0] (did you mean token?)"));
        ReloadReport r = server.reload();
        assertFalse(r.applied());
        assertTrue(r.error().contains("tokn"), r.error());
        assertTrue(chat(kept, 1).contains("result"));
        assertEquals(KEEP, ((Credential.Token) server.running().auth().credentials().all().get(0)).token().reveal());
    }

    @Test
    void restartOnlySettingsAreReportedAndKeepTheirRunningValueWhileHostsApplyAtOnce() throws Exception {
        GatewayConfig initial = config(new Credential.Token("keep", Secret.of(KEEP), "admin"));
        start(initial);
        GatewayConfig changed = ConfigEdit.edit(initial).maxMessageBytes(4096).get();
        changed = ConfigEdit.edit(changed).set(Settings.LISTEN, new InetSocketAddress(InetAddress.getLoopbackAddress(), 1))
                .setList(Settings.ALLOWED_HOSTS, List.of("box.example")).get();
        next.set(changed);
        HttpClient http = HttpClient.newHttpClient();
        String boxHost = "GET /front/health HTTP/1.1\r\nHost: box.example\r\nConnection: close\r\n\r\n";
        assertEquals(400, RawHttp.status(RawHttp.exchange(server.port(), boxHost)));

        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/front/reload"))
                .header("Authorization", "Bearer " + KEEP).POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"restart_needed\":[\"listen\",\"max_message_bytes\"]"), r.body());
        assertTrue(r.body().contains("\"changed\":[\"allowed_hosts\"]"), r.body());
        assertEquals(200, RawHttp.status(RawHttp.exchange(server.port(), boxHost)), "allowed_hosts applied in place");
        assertEquals(initial.limits().maxMessageBytes(), server.running().limits().maxMessageBytes());
        assertEquals(0, server.running().listen().address().getPort());
    }

    @Test
    void reloadNeedsAdmin() throws Exception {
        start(config(new Credential.Token("reader", Secret.of(KEEP), "read")));
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest.Builder post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/front/reload"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
        assertEquals(401, http.send(post.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(403, http.send(HttpRequest.newBuilder(post.build().uri()).header("Authorization", "Bearer " + KEEP)
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode());
    }
}
