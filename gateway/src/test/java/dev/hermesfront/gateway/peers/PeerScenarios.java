package dev.hermesfront.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.gateway.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The multi-machine scenarios, run against a coordinator with four peers: {@code studio} (hermes-front,
 * answers at once), {@code mini} (hermes-front, answers after 4 s, fan-out timeout 1 s), {@code down}
 * (an address with nothing listening) and {@code echo} (shows what it received; reached with a Basic user).
 * Subclasses place them: on loopback addresses in-process, or in network namespaces as processes.
 */
abstract class PeerScenarios {
    static final String COORD_TOKEN = "coordinator-admin-token-0123";
    static final String READ_TOKEN = "coordinator-read-token-0123";
    static final String STUDIO_TOKEN = "studio-peer-token-0123";
    static final String MINI_TOKEN = "mini-peer-token-0123";
    static final String ECHO_USER = "coord-echo";
    static final String ECHO_PASSWORD = "echo-pass:word";
    static final Duration MINI_DELAY = Duration.ofSeconds(4);
    static final Duration MINI_TIMEOUT = Duration.ofSeconds(1);
    static final ObjectMapper MAPPER = new ObjectMapper();

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** Returns the coordinator's base URL, {@code http://HOST:PORT}. */
    abstract URI coordinator();

    /** Returns whether a TCP connection to host:port succeeds from the peer's own host ({@code peer}). */
    abstract boolean reachableFrom(String peer, String host, int port) throws Exception;

    /** Returns the address peer {@code name} is bound to and the other addresses its host has. */
    abstract String boundAddress(String name);

    abstract int peerPort(String name);

    abstract List<String> otherAddresses(String name);

    /** The YAML peer map (without credentials: secrets are in the environment named by token_env / password_env). */
    static String peersYaml(String studio, String mini, String down, String echo) {
        return "peers:\n"
                + "  - {name: studio, url: \"" + studio + "\", token_env: STUDIO_TOKEN}\n"
                + "  - {name: mini, url: \"" + mini + "\", token_env: MINI_TOKEN, timeout: 1s}\n"
                + "  - {name: down, url: \"" + down + "\", token: unused-token-0123}\n"
                + "  - {name: echo, url: \"" + echo + "\", basic: {user: " + ECHO_USER + ", password_env: ECHO_PASSWORD}}\n";
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(coordinator().resolve(path)).timeout(Duration.ofSeconds(20)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(coordinator().resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    @Test
    void routesByPathToThePeer() throws Exception {
        HttpResponse<String> r = get("/peers/studio/v1/models", "Authorization", "Bearer " + COORD_TOKEN);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("hermes-studio", json(r.body()).path("data").path(0).path("id").asText());
        assertEquals("studio", r.headers().firstValue("X-Hermes-Peer").orElse(null));
    }

    @Test
    void routesByHeaderToThePeer() throws Exception {
        HttpResponse<String> r = get("/v1/models", "Authorization", "Bearer " + COORD_TOKEN, "X-Hermes-Peer", "mini");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("hermes-mini", json(r.body()).path("data").path(0).path("id").asText());
        assertEquals("mini", r.headers().firstValue("X-Hermes-Peer").orElse(null));
    }

    @Test
    void answersUnknownPeerWith404Json() throws Exception {
        HttpResponse<String> r = get("/peers/nope/v1/models", "Authorization", "Bearer " + COORD_TOKEN);
        assertEquals(404, r.statusCode());
        assertEquals("unknown_peer", json(r.body()).path("error").path("code").asText());
        HttpResponse<String> h = get("/v1/models", "Authorization", "Bearer " + COORD_TOKEN, "X-Hermes-Peer", "nope");
        assertEquals(404, h.statusCode());
    }

    @Test
    void answersOfflinePeerWith503NamingIt() throws Exception {
        for (int i = 0; i < 2; i++) {
            // First the dial fails, then the open circuit refuses without dialling: both 503 naming the peer.
            HttpResponse<String> r = get("/peers/down/v1/models", "Authorization", "Bearer " + COORD_TOKEN);
            assertEquals(503, r.statusCode(), r.body());
            JsonNode e = json(r.body()).path("error");
            assertEquals("peer_unavailable", e.path("code").asText());
            assertTrue(e.path("message").asText().contains("'down'"), e.toString());
        }
    }

    @Test
    void refusesUnauthenticatedAndUnderScopedCallers() throws Exception {
        assertEquals(401, get("/peers/studio/v1/models").statusCode());
        assertEquals(401, get("/peers/studio/v1/models", "Authorization", "Bearer " + STUDIO_TOKEN).statusCode());
        assertEquals(200, get("/peers/studio/v1/models", "Authorization", "Bearer " + READ_TOKEN).statusCode());
        HttpResponse<String> r = post("/peers/studio/v1/chat/completions", "{\"messages\": []}", READ_TOKEN);
        assertEquals(403, r.statusCode(), r.body());
        assertEquals(403, post("/v1/fanout/chat/completions", "{\"peers\": [\"studio\"]}", READ_TOKEN).statusCode());
    }

    @Test
    void streamsAChatCompletionThroughThePeer() throws Exception {
        HttpResponse<String> r = post("/peers/studio/v1/chat/completions", "{\"stream\": true, \"messages\": []}", COORD_TOKEN);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        assertTrue(r.body().contains("studio-0") && r.body().contains("studio-2") && r.body().contains("[DONE]"), r.body());
    }

    @Test
    void attachesATuiThroughTheCoordinatorToThePeersAgent() throws Exception {
        URI ws = URI.create("ws://" + coordinator().getAuthority() + "/peers/studio/api/ws?token=" + COORD_TOKEN);
        try (WsTestClient c = WsTestClient.connect(ws)) {
            JsonNode ready = json(c.next());
            assertEquals("gateway.ready", ready.path("params").path("type").asText());
            assertEquals("studio", ready.path("params").path("payload").path("capabilities").path("hermes_front").path("peer").asText(), ready.toString());
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r1\", \"method\": \"session.create\", \"params\": {\"cols\": 80}}");
            String sid = null;
            while (sid == null) {
                JsonNode f = json(c.next());
                if (f.path("id").asText().equals("r1")) {
                    sid = f.path("result").path("session_id").asText();
                }
            }
            c.send("{\"jsonrpc\": \"2.0\", \"id\": \"r2\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"" + sid
                    + "\", \"text\": \"hello\"}}");
            StringBuilder text = new StringBuilder();
            while (true) {
                JsonNode f = json(c.next());
                String type = f.path("params").path("type").asText();
                if (type.equals("message.delta")) {
                    text.append(f.path("params").path("payload").path("text").asText());
                }
                if (type.equals("message.complete")) {
                    text.append(f.path("params").path("payload").path("text").asText());
                    break;
                }
            }
            assertTrue(text.toString().contains("Echo: hello"), text.toString());
        }
    }

    @Test
    void closesARelayWithAWrongTokenWith4401AndAnUnknownPeerWith4404() throws Exception {
        URI bad = URI.create("ws://" + coordinator().getAuthority() + "/peers/studio/api/ws?token=" + STUDIO_TOKEN);
        try (WsTestClient c = WsTestClient.connect(bad)) {
            assertEquals(4401, c.closeCode());
        }
        URI unknown = URI.create("ws://" + coordinator().getAuthority() + "/peers/nope/api/ws?token=" + COORD_TOKEN);
        try (WsTestClient c = WsTestClient.connect(unknown)) {
            assertEquals(4404, c.closeCode());
        }
    }

    @Test
    void fansOutWithOneSlowAndOneDownPeer() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = post("/v1/fanout/chat/completions",
                "{\"model\": \"hermes\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"peers\": [\"studio\", \"mini\", \"down\"]}",
                COORD_TOKEN);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(200, r.statusCode(), r.body());
        JsonNode results = json(r.body()).path("results");
        assertEquals("from studio", results.path("studio").path("choices").path(0).path("message").path("content").asText(), r.body());
        assertEquals("peer_timeout", results.path("mini").path("error").path("code").asText(), r.body());
        assertEquals("peer_unavailable", results.path("down").path("error").path("code").asText(), r.body());
        assertTrue(ms < MINI_DELAY.toMillis() - 500, "the slow peer held the answer back: " + ms + " ms");
    }

    @Test
    void streamsAFanOutWhereEveryEventNamesItsPeer() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(coordinator().resolve("/v1/fanout/chat/completions"))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + COORD_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\": true, \"messages\": [], \"peers\": [\"studio\", \"mini\", \"down\"]}"))
                .build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        List<String> data = new ArrayList<>();
        List<Long> arrivedMs = new ArrayList<>();
        for (String line : (Iterable<String>) r.body()::iterator) {
            if (!line.startsWith("data: ")) {
                continue;
            }
            data.add(line.substring(6));
            arrivedMs.add((System.nanoTime() - t0) / 1_000_000);
        }
        assertEquals("[DONE]", data.get(data.size() - 1));
        List<JsonNode> events = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode e = json(d);
            assertTrue(e.path("peer").isTextual(), "event without its peer: " + d);
            events.add(e);
        }
        assertTrue(events.stream().anyMatch(e -> e.path("peer").asText().equals("studio") && e.path("done").asBoolean()), data.toString());
        assertTrue(events.stream().anyMatch(e -> e.path("peer").asText().equals("studio")
                && e.path("data").path("choices").path(0).path("delta").path("content").asText().equals("studio-2")), data.toString());
        assertTrue(events.stream().anyMatch(e -> e.path("peer").asText().equals("mini")
                && e.path("error").path("code").asText().equals("peer_timeout")), data.toString());
        assertTrue(events.stream().anyMatch(e -> e.path("peer").asText().equals("down")
                && e.path("error").path("code").asText().equals("peer_unavailable")), data.toString());
        // Not held back by the slow peer: studio's first chunk arrived well before mini's timeout did (mini times out
        // MINI_TIMEOUT after the start; a fan-out that buffered would deliver both together). Arrival gaps, not
        // absolute times, so a loaded machine that starts late cannot fail it.
        int firstStudio = -1;
        int miniTimeout = -1;
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            if (firstStudio < 0 && e.path("peer").asText().equals("studio") && e.toString().contains("studio-0")) {
                firstStudio = i;
            }
            if (miniTimeout < 0 && e.path("peer").asText().equals("mini") && e.path("error").path("code").asText().equals("peer_timeout")) {
                miniTimeout = i;
            }
        }
        assertTrue(firstStudio >= 0 && firstStudio < miniTimeout, "studio came after mini's timeout: " + data);
        long gap = arrivedMs.get(miniTimeout) - arrivedMs.get(firstStudio);
        assertTrue(gap > MINI_TIMEOUT.toMillis() / 3, "studio was held back until mini's timeout (" + gap + " ms apart): " + arrivedMs);
    }

    @Test
    void sendsEachPeerItsOwnCredentialAndNeverTheCallers() throws Exception {
        // One credential per request (two are refused), so each carrier is tried on its own; ?token= on plain HTTP is
        // not a credential but must not travel either.
        HttpResponse<String> viaSession = get("/peers/echo/v1/models?token=" + COORD_TOKEN + "&x=1",
                "X-Hermes-Session-Token", COORD_TOKEN, "Cookie", "s=" + COORD_TOKEN);
        assertEquals(200, viaSession.statusCode(), viaSession.body());
        assertFalse(viaSession.body().contains(COORD_TOKEN), "the caller's credential reached the peer: " + viaSession.body());
        HttpResponse<String> r = get("/peers/echo/v1/models?token=" + COORD_TOKEN + "&x=1", "Authorization", "Bearer " + COORD_TOKEN,
                "Cookie", "s=" + COORD_TOKEN);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode seen = json(r.body());
        String basic = "Basic " + Base64.getEncoder().encodeToString((ECHO_USER + ":" + ECHO_PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertEquals(basic, seen.path("headers").path("authorization").asText(), r.body());
        assertEquals("/v1/models", seen.path("path").asText());
        assertEquals("x=1", seen.path("query").asText());
        assertFalse(r.body().contains(COORD_TOKEN), "the caller's credential reached the peer: " + r.body());
        assertFalse(r.body().contains(STUDIO_TOKEN) || r.body().contains(MINI_TOKEN), "another peer's credential leaked: " + r.body());
        HttpResponse<String> byHeader = get("/v1/models", "Authorization", "Bearer " + COORD_TOKEN, "X-Hermes-Peer", "echo");
        assertEquals(basic, json(byHeader.body()).path("headers").path("authorization").asText());
        assertFalse(byHeader.body().contains(COORD_TOKEN));
        assertTrue(json(byHeader.body()).path("headers").path("x-hermes-peer").isMissingNode(), byHeader.body());
    }

    @Test
    void reportsEachPeersHealth() throws Exception {
        JsonNode studio = null;
        JsonNode down = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get("/api/peers", "Authorization", "Bearer " + READ_TOKEN);
            assertEquals(200, r.statusCode(), r.body());
            for (JsonNode p : json(r.body()).path("peers")) {
                if (p.path("name").asText().equals("studio")) {
                    studio = p;
                }
                if (p.path("name").asText().equals("down")) {
                    down = p;
                }
            }
            if (studio != null && studio.path("state").asText().equals("up") && studio.path("auth_ok").asBoolean()
                    && down != null && down.path("state").asText().equals("down")) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("up", studio.path("state").asText(), studio.toString());
        assertTrue(studio.path("latency_ms").asLong(-1) >= 0, studio.toString());
        assertTrue(studio.path("auth_ok").asBoolean(), studio.toString());
        assertEquals("down", down.path("state").asText(), down.toString());
        assertTrue(down.path("last_error").asText().contains("not reachable"), down.toString());
        assertFalse(down.path("circuit").asText().equals("closed"), down.toString());
    }

    @Test
    void aPeerBoundToItsAddressIsNotReachableOnAnyOther() throws Exception {
        String own = boundAddress("studio");
        int port = peerPort("studio");
        assertTrue(reachableFrom("studio", own, port), "control: the peer answers on " + own);
        for (String other : otherAddresses("studio")) {
            assertFalse(reachableFrom("studio", other, port), "the peer also answers on " + other);
        }
    }
}
