package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.RawHttp;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /api/ws behind the same guards: any configured token works, bad tokens still close 4401. */
class TuiChannelGuardTest {
    private FrontFixture front;

    @BeforeEach
    void start() throws Exception {
        front = new FrontFixture(FrontFixture.baseConfig());
    }

    @AfterEach
    void stop() {
        front.close();
    }

    private WebSocket connect(String query, LinkedBlockingQueue<String> frames, CompletableFuture<Integer> closed, String... headers)
            throws Exception {
        WebSocket.Builder b = front.http.newWebSocketBuilder();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.buildAsync(URI.create("ws://127.0.0.1:" + front.port() + "/api/ws" + query), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                frames.add(data.toString());
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                closed.complete(code);
                return null;
            }
        }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void acceptsAConfiguredTokenAndClosesAWrongOneWith4401() throws Exception {
        LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws = connect("?token=" + FrontFixture.TOKEN, frames, closed);
        String first = frames.poll(5, TimeUnit.SECONDS);
        assertTrue(first != null && first.contains("gateway.ready"), String.valueOf(first));
        ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        CompletableFuture<Integer> refused = new CompletableFuture<>();
        connect("?token=wrong", new LinkedBlockingQueue<>(), refused);
        assertEquals(4401, refused.get(5, TimeUnit.SECONDS));
    }

    @Test
    void refusesAHostileOriginBeforeTheUpgrade() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> connect("?token=" + FrontFixture.TOKEN,
                new LinkedBlockingQueue<>(), new CompletableFuture<>(), "Origin", "http://evil.example"));
        assertEquals(403, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
    }

    @Test
    void refusesAForgedHostBeforeTheUpgrade() throws Exception {
        String r = RawHttp.exchange(front.port(), "GET /api/ws?token=" + FrontFixture.TOKEN + " HTTP/1.1\r\nHost: rebind.example\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n");
        assertEquals(400, RawHttp.status(r), r);
    }

    @Test
    void keepsTheFrontsOwnHealthWithoutAnApiServer() throws Exception {
        assertTrue(front.get("/health").body().contains("\"service\": \"hermes-front\""));
        assertTrue(front.get("/front/health").body().contains("\"service\": \"hermes-front\""));
        assertEquals(404, front.get("/v1/models", "Authorization", "Bearer " + FrontFixture.TOKEN).statusCode());
    }
}
