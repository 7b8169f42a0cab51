package dev.hermesfront.gateway.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.http.SecurityHeadersHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every route family of the real API server through the front, in CI: {@link RecordedApiServer} replays
 * the committed recording of the real server ({@code api-server/recorded.jsonl}, made by
 * {@link RecordApiServerTest}), the front stands in front of it, and {@link ApiScenarios} makes the
 * same pass through the front with a token and with Basic. Each answer must equal the real one (status,
 * body, headers) except that the upstream's {@code Server} header is gone and the security headers are
 * on every answer; the stand-in checks what reached it. Streams must arrive unbuffered.
 */
class ApiServerReplayTest {
    /** Headers that describe a connection or a moment, not the answer. */
    private static final Set<String> NOT_COMPARED = Set.of("server", "date", "content-length", "transfer-encoding", "connection",
            "keep-alive");
    private Recording recording;
    private RecordedApiServer upstream;
    private FrontFixture front;

    @BeforeEach
    void start() throws Exception {
        recording = Recording.committed();
        upstream = new RecordedApiServer(recording, FrontFixture.API_KEY);
        // The front answers an unauthenticated /v1/models itself; the stand-in must not wait for it.
        upstream.skip("GET", "/v1/models", "models without key");
        front = new FrontFixture(ConfigEdit.edit(FrontFixture.baseConfig()).upstreams(UpstreamConfig.of(upstream.uri(), Secret.of(FrontFixture.API_KEY)), null).get());
    }

    @AfterEach
    void stop() {
        front.close();
        upstream.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"token", "basic"})
    void answersEveryRouteFamilyLikeTheRealApiServer(String credential) throws Exception {
        String auth = credential.equals("token") ? "Bearer " + FrontFixture.TOKEN : FrontFixture.basic(FrontFixture.BASIC_USER, FrontFixture.BASIC_PASSWORD);
        List<ApiScenarios.Exchange> pass = new ApiScenarios(front.uri(""), auth, "replay-" + credential).run();
        assertEquals(recording.entries().size(), pass.size());
        for (int i = 0; i < pass.size(); i++) {
            Recording.Entry real = recording.entries().get(i);
            ApiScenarios.Exchange got = pass.get(i);
            String what = got.name() + " (" + got.method() + " " + got.path() + ")";
            assertEquals(real.name(), got.name());
            assertEquals(real.path(), got.path(), what + ": ids from the answers lead to the same paths");
            assertEquals(real.status(), got.status(), what + ": " + got.body());
            assertNull(got.header("server"), what + ": the upstream's Server header reaches the client");
            SecurityHeadersHandler.HEADERS.forEach((name, value) ->
                    assertEquals(value, got.header(name.toLowerCase()), what + ": " + name));
            if (got.name().equals("models without key")) {
                // The front's own 401, in the API server's shape and with its code.
                JsonNode mine = got.json().path("error");
                JsonNode theirs = ApiScenarios.JSON.readTree(real.body()).path("error");
                assertEquals(theirs.path("code").asText(), mine.path("code").asText(), what);
                assertEquals(theirs.path("type").asText(), mine.path("type").asText(), what);
                assertTrue(mine.path("message").isTextual(), what);
                continue;
            }
            assertEquals(real.body(), got.body(), what + ": the body passes unchanged");
            for (String[] h : real.responseHeaders()) {
                if (!NOT_COMPARED.contains(h[0])) {
                    assertEquals(h[1], got.header(h[0]), what + ": header " + h[0]);
                }
            }
            if (real.streamed()) {
                List<Long> writes = upstream.written.get(got.name());
                long firstArrival = got.chunkNanos().get(0);
                long lastWrite = writes.get(writes.size() - 1);
                assertTrue(writes.size() < 2 || firstArrival < lastWrite, what + ": the first chunk arrived only after the upstream's last");
                System.out.printf("replay %s via %s: first chunk %.1f ms after the upstream wrote it; %d chunks over %.0f ms%n",
                        got.name(), credential, (firstArrival - writes.get(0)) / 1e6, writes.size(), (lastWrite - writes.get(0)) / 1e6);
            }
        }
        assertTrue(upstream.problems.isEmpty(), "what reached the stand-in: " + upstream.problems);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"health"})
    void carriesTheSecurityHeadersTheRealServerSends(String name) throws Exception {
        // The front's list of security headers is exactly what the real server sent on a normal answer.
        Recording.Entry real = recording.entries().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
        Map<String, String> recorded = new LinkedHashMap<>();
        for (String[] h : real.responseHeaders()) {
            if (SecurityHeadersHandler.HEADERS.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(h[0]))
                    || h[0].startsWith("x-") || h[0].contains("policy") || h[0].contains("security")) {
                recorded.put(h[0], h[1]);
            }
        }
        Map<String, String> ours = SecurityHeadersHandler.HEADERS.entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().toLowerCase(), Map.Entry::getValue));
        assertEquals(recorded, ours);
        // And the front's own 401 carries them, as the real server's 401 does.
        java.net.http.HttpResponse<String> r = front.get("/v1/models");
        assertEquals(401, r.statusCode());
        ours.forEach((k, v) -> assertEquals(v, r.headers().firstValue(k).orElse(null), k));
    }
}
