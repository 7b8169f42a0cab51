package dev.hermesfront.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The startup key check (and a future doctor): the front's key, then a deliberately wrong one. */
class ApiKeyCheckTest {
    private static final String KEY = "sk-inner-api-key-0123456789";
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> keysSeen = new ArrayList<>();
    private FakeUpstream api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    /** An API server whose /v1/models accepts {@code KEY}, and any key at all when {@code checksKeys} is false. */
    private UpstreamConfig server(boolean checksKeys) throws Exception {
        api = new FakeUpstream();
        api.handle("/v1/models", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            synchronized (keysSeen) {
                keysSeen.add(auth);
            }
            if (checksKeys && !("Bearer " + KEY).equals(auth)) {
                FakeUpstream.json(ex, 401, "{\"error\": {\"message\": \"Invalid API key\", \"type\": \"invalid_request_error\", "
                        + "\"code\": \"invalid_api_key\"}}");
            } else {
                FakeUpstream.json(ex, 200, "{\"object\": \"list\", \"data\": []}");
            }
        });
        return UpstreamConfig.of(api.uri(), Secret.of(KEY));
    }

    private static String[] report(ApiKeyCheck.Result r, String uri) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        r.report(uri, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void saysNothingLoudWhenTheServerChecksKeys() throws Exception {
        UpstreamConfig cfg = server(true);
        ApiKeyCheck.Result r = ApiKeyCheck.run(client, cfg, "flag --api-key");
        assertEquals(ApiKeyCheck.Outcome.ACCEPTED, r.outcome());
        assertEquals(ApiKeyCheck.KeyEnforcement.CHECKS_KEYS, r.enforcement());
        assertEquals(200, r.statusWithKey());
        assertEquals(401, r.statusWithWrongKey());
        assertFalse(r.needsAttention());
        assertEquals(List.of("Bearer " + KEY, "Bearer " + ApiKeyCheck.WRONG_KEY), keysSeen, "our key, then the wrong one");
        String[] printed = report(r, cfg.uri().toString());
        assertTrue(printed[0].contains("accepts the key from flag --api-key"), printed[0]);
        assertEquals("", printed[1]);
    }

    @Test
    void saysLoudlyThatAServerAcceptingAWrongKeyDoesNotCheckKeys() throws Exception {
        UpstreamConfig cfg = server(false);
        ApiKeyCheck.Result r = ApiKeyCheck.run(client, cfg, "flag --api-key");
        assertEquals(ApiKeyCheck.Outcome.ACCEPTED, r.outcome());
        assertEquals(ApiKeyCheck.KeyEnforcement.ACCEPTS_ANY_KEY, r.enforcement());
        assertEquals(200, r.statusWithWrongKey());
        assertTrue(r.needsAttention());
        String[] printed = report(r, cfg.uri().toString());
        assertTrue(printed[1].startsWith("hermes-front: WARNING: "), printed[1]);
        assertTrue(printed[1].contains("does NOT check keys"), printed[1]);
        assertTrue(printed[1].contains("aiohttp older than 3.12"), printed[1]);
        assertTrue(printed[1].contains("loopback"), printed[1]);
        assertFalse(printed[1].contains(KEY), "the key is never printed");
        assertFalse(printed[0].contains(KEY));
    }

    @Test
    void reportsARejectedKeyWithoutAskingWithTheWrongOne() throws Exception {
        UpstreamConfig cfg = server(true);
        ApiKeyCheck.Result r = ApiKeyCheck.run(client, UpstreamConfig.of(cfg.uri(), Secret.of("sk-stale-key-from-systemd-0000")), "env API_SERVER_KEY");
        assertEquals(ApiKeyCheck.Outcome.REJECTED, r.outcome());
        assertEquals(1, keysSeen.size());
        String[] printed = report(r, cfg.uri().toString());
        assertTrue(printed[1].contains("REJECTS the key from env API_SERVER_KEY"), printed[1]);
        assertFalse(printed[1].contains("sk-stale"), printed[1]);
    }

    @Test
    void reportsAnUnreachableServer() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ApiKeyCheck.Result r = ApiKeyCheck.run(client, UpstreamConfig.of(URI.create("http://127.0.0.1:" + port), Secret.of(KEY)), "x");
        assertEquals(ApiKeyCheck.Outcome.UNREACHABLE, r.outcome());
        assertEquals(ApiKeyCheck.KeyEnforcement.UNKNOWN, r.enforcement());
        assertTrue(r.needsAttention());
    }
}
