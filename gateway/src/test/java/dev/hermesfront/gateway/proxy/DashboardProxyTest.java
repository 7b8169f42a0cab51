package dev.hermesfront.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.util.Headers;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSockets;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The optional dashboard pass-through: REST and its own WebSockets, authenticated at the front. */
class DashboardProxyTest {
    private static final String DASH_TOKEN = "dashboard-session-token-1";

    /** What the fake dashboard saw on a request: path, query and the headers the guards care about. */
    record Seen(String path, String query, String host, String origin, String sessionToken, String authorization) {}

    private final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private final AtomicReference<String> currentToken = new AtomicReference<>(DASH_TOKEN);
    private Undertow dashboard;
    private FakeUpstream api;
    private FrontFixture front;

    private int startDashboard() {
        dashboard = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(Handlers.path(ex -> {
            seen.add(new Seen(ex.getRequestPath(), ex.getQueryString(), ex.getRequestHeaders().getFirst(Headers.HOST),
                    ex.getRequestHeaders().getFirst(Headers.ORIGIN), ex.getRequestHeaders().getFirst("X-Hermes-Session-Token"),
                    ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION)));
            if (ex.getRequestPath().equals("/")) {
                ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html");
                ex.getResponseSender().send("<html><script>window.__HERMES_SESSION_TOKEN__ = \"" + currentToken.get()
                        + "\";</script><a data-t='" + currentToken.get() + "'>x</a></html>");
                return;
            }
            if (!currentToken.get().equals(ex.getRequestHeaders().getFirst("X-Hermes-Session-Token"))) {
                ex.setStatusCode(401);
                ex.getResponseSender().send("{\"detail\":\"Unauthorized\"}");
                return;
            }
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            ex.getResponseSender().send("{\"dashboard\": true}");
        }).addPrefixPath("/api/events", Handlers.websocket((exchange, channel) -> {
            seen.add(new Seen("/api/events", exchange.getQueryString(), exchange.getRequestHeader("Host"),
                    exchange.getRequestHeader("Origin"), null, exchange.getRequestHeader("Authorization")));
            channel.getReceiveSetter().set(new AbstractReceiveListener() {
                @Override
                protected void onFullTextMessage(io.undertow.websockets.core.WebSocketChannel ch, BufferedTextMessage m) {
                    WebSockets.sendText("echo:" + m.getData(), ch, null);
                }

                @Override
                protected void onFullBinaryMessage(io.undertow.websockets.core.WebSocketChannel ch, BufferedBinaryMessage m) {
                    ByteBuffer merged = WebSockets.mergeBuffers(m.getData().getResource());
                    m.getData().free();
                    WebSockets.sendBinary(merged, ch, null);
                }
            });
            channel.resumeReceives();
        }))).build();
        dashboard.start();
        return ((InetSocketAddress) dashboard.getListenerInfo().get(0).getAddress()).getPort();
    }

    private void start(boolean configuredToken) throws Exception {
        int port = startDashboard();
        api = new FakeUpstream();
        GatewayConfig cfg = ConfigEdit.edit(FrontFixture.baseConfig())
                .upstreams(UpstreamConfig.of(api.uri(), Secret.of(FrontFixture.API_KEY)),
                        UpstreamConfig.of(URI.create("http://127.0.0.1:" + port), configuredToken ? Secret.of(DASH_TOKEN) : null))
                .allowed(Set.of(), Set.of("file://")).get();
        front = new FrontFixture(cfg);
    }

    @AfterEach
    void stop() {
        if (front != null) {
            front.close();
        }
        if (dashboard != null) {
            dashboard.stop();
        }
        if (api != null) {
            api.close();
        }
    }

    private int dashPort() {
        return ((InetSocketAddress) dashboard.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Test
    void proxiesDashboardRestWithItsSessionTokenInjectedAndHostRewritten() throws Exception {
        start(true);
        HttpResponse<String> r = front.get("/api/config?x=1", "Authorization", "Bearer " + FrontFixture.TOKEN,
                "Origin", "http://127.0.0.1:" + front.port());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"dashboard\": true}", r.body());
        Seen s = seen.poll(5, TimeUnit.SECONDS);
        assertEquals(new Seen("/api/config", "x=1", "127.0.0.1:" + dashPort(), "http://127.0.0.1:" + dashPort(), DASH_TOKEN, null), s);
    }

    @Test
    void keepsApiRoutesOnTheApiServer() throws Exception {
        start(true);
        assertEquals(200, front.get("/v1/models", "Authorization", "Bearer " + FrontFixture.TOKEN).statusCode());
        assertEquals("/v1/models", api.next().path());
        assertNull(seen.poll(50, TimeUnit.MILLISECONDS));
    }

    @Test
    void refusesUnauthenticatedCallersEvenOnTheDashboardsPublicPaths() throws Exception {
        start(true);
        for (String path : new String[] {"/", "/api/status", "/assets/index.js", "/api/env"}) {
            HttpResponse<String> r = front.get(path);
            assertEquals(401, r.statusCode(), path);
            assertTrue(r.body().contains("unauthorized"));
        }
        assertNull(seen.poll(50, TimeUnit.MILLISECONDS), "the dashboard hands out its token: nothing reaches it unauthenticated");
    }

    @Test
    void servesTheDesktopAppsRemoteModeWithTheFrontsOwnCredential() throws Exception {
        start(true);
        HttpResponse<String> r = front.get("/api/status", "X-Hermes-Session-Token", FrontFixture.TOKEN, "Origin", "file://");
        assertEquals(200, r.statusCode());
        Seen s = seen.poll(5, TimeUnit.SECONDS);
        assertEquals(DASH_TOKEN, s.sessionToken());
        assertEquals("http://127.0.0.1:" + dashPort(), s.origin(), "a non-web origin is replaced by the dashboard's own");
    }

    @Test
    void relaysDashboardWebSocketsWithTheTokenRewrittenAndOriginReplaced() throws Exception {
        start(true);
        LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
        WebSocket ws = front.http.newWebSocketBuilder().header("Origin", "http://127.0.0.1:" + front.port())
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + front.port() + "/api/events?channel=ch1&token=" + FrontFixture.TOKEN),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                                got.add(data.toString());
                                w.request(1);
                                return null;
                            }

                            @Override
                            public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                                byte[] b = new byte[data.remaining()];
                                data.get(b);
                                got.add(b);
                                w.request(1);
                                return null;
                            }
                        }).get(5, TimeUnit.SECONDS);
        try {
            Seen s = seen.poll(5, TimeUnit.SECONDS);
            assertEquals("channel=ch1&token=" + DASH_TOKEN, s.query());
            assertEquals("127.0.0.1:" + dashPort(), s.host());
            assertEquals("http://127.0.0.1:" + dashPort(), s.origin());
            assertNull(s.authorization());
            ws.sendText("hi", true).get(5, TimeUnit.SECONDS);
            assertEquals("echo:hi", got.poll(5, TimeUnit.SECONDS));
            ws.sendBinary(ByteBuffer.wrap(new byte[] {27, '[', 1, 2}), true).get(5, TimeUnit.SECONDS);
            Object bin = got.poll(5, TimeUnit.SECONDS);
            assertInstanceOf(byte[].class, bin, "frame types are preserved");
            assertEquals(4, ((byte[]) bin).length);
        } finally {
            ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusesDashboardWebSocketsWithAWrongTokenOrAHostileOrigin() throws Exception {
        start(true);
        ExecutionException noAuth = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                front.http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + front.port() + "/api/pty?token=" + DASH_TOKEN),
                        new WebSocket.Listener() {}).get(5, TimeUnit.SECONDS));
        assertEquals(401, ((WebSocketHandshakeException) noAuth.getCause()).getResponse().statusCode());
        ExecutionException hostile = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                front.http.newWebSocketBuilder().header("Origin", "http://evil.example")
                        .buildAsync(URI.create("ws://127.0.0.1:" + front.port() + "/api/pty?token=" + FrontFixture.TOKEN),
                                new WebSocket.Listener() {}).get(5, TimeUnit.SECONDS));
        assertEquals(403, ((WebSocketHandshakeException) hostile.getCause()).getResponse().statusCode());
        assertNull(seen.poll(50, TimeUnit.MILLISECONDS));
    }

    @Test
    void replacesTheDashboardTokenInItsPageWithThePlaceholder() throws Exception {
        for (boolean configured : new boolean[] {true, false}) {
            start(configured);
            HttpResponse<String> r = front.get("/", "Authorization", "Bearer " + FrontFixture.TOKEN, "Accept-Encoding", "gzip");
            assertEquals(200, r.statusCode());
            assertTrue(!r.body().contains(DASH_TOKEN), "the session token stays on the loopback hop: " + r.body());
            assertTrue(r.body().contains("window.__HERMES_SESSION_TOKEN__ = \"" + DashboardTokenPlaceholder.VALUE + "\""), r.body());
            if (configured) {
                assertTrue(r.body().contains("data-t='" + DashboardTokenPlaceholder.VALUE + "'"), "every occurrence: " + r.body());
            }
            assertTrue(r.headers().firstValue("Content-Security-Policy").isEmpty(), "the dashboard's page keeps its own header policy");
            stop();
            front = null;
            dashboard = null;
            api = null;
            seen.clear();
        }
    }

    @Test
    void takesThePlaceholderBackAndSendsTheRealTokenOnTheLoopbackHop() throws Exception {
        start(true);
        HttpResponse<String> r = front.get("/api/config", "Authorization", FrontFixture.basic(FrontFixture.BASIC_USER,
                FrontFixture.BASIC_PASSWORD), "X-Hermes-Session-Token", DashboardTokenPlaceholder.VALUE);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(DASH_TOKEN, seen.poll(5, TimeUnit.SECONDS).sessionToken());
        WebSocket ws = front.http.newWebSocketBuilder().header("Authorization", "Bearer " + FrontFixture.TOKEN)
                .buildAsync(URI.create("ws://127.0.0.1:" + front.port() + "/api/events?channel=c&token=" + DashboardTokenPlaceholder.VALUE),
                        new WebSocket.Listener() {}).get(5, TimeUnit.SECONDS);
        try {
            assertEquals("channel=c&token=" + DASH_TOKEN, seen.poll(5, TimeUnit.SECONDS).query());
        } finally {
            ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void readsARotatingDashboardTokenFromItsPage() throws Exception {
        start(false);
        assertEquals(DASH_TOKEN, tokenSeenWithin(Duration.ofSeconds(5)));
        currentToken.set("rotated-after-restart");
        assertEquals("rotated-after-restart", tokenSeenWithin(Duration.ofSeconds(5)));
    }

    /** Sends requests until one reaches the dashboard with the token it expects; bounded by {@code limit}. */
    private String tokenSeenWithin(Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = front.get("/api/config", "Authorization", "Bearer " + FrontFixture.TOKEN);
            Seen s;
            while ((s = seen.poll()) != null) {
                if (r.statusCode() == 200 && s.path().equals("/api/config")) {
                    return s.sessionToken();
                }
            }
        }
        throw new AssertionError("no request carried the dashboard's token within " + limit);
    }
}
