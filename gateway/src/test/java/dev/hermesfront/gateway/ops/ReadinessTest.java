package dev.hermesfront.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code /front/ready} names each failing check with 503 while {@code /front/health} (liveness) stays 200. */
class ReadinessTest {
    private static GatewayConfig withApi(UpstreamConfig api) {
        GatewayConfig b = FrontFixture.baseConfig();
        return ConfigEdit.edit(b).upstreams(api, null).get();
    }

    private static UpstreamConfig api(FakeUpstream up) {
        return UpstreamConfig.of(up.uri(), Secret.of(FrontFixture.API_KEY)).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofSeconds(10));
    }

    @Test
    void readyWhenTheApiServerAcceptsTheKeyAnd503NamingItWhenItIsDown() throws Exception {
        FakeUpstream up = new FakeUpstream();
        up.handle("/v1/models", ex -> FakeUpstream.json(ex, ("Bearer " + FrontFixture.API_KEY)
                .equals(ex.getRequestHeaders().getFirst("Authorization")) ? 200 : 401, "{}"));
        try (FrontFixture front = new FrontFixture(withApi(api(up)))) {
            HttpResponse<String> ok = front.get("/front/ready");
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals("{\"status\":\"ready\",\"checks\":{\"agent\":\"up\",\"api_server\":\"up\"}}", ok.body());
            up.close();
            HttpResponse<String> down = front.get("/front/ready");
            assertEquals(503, down.statusCode(), down.body());
            assertTrue(down.body().contains("\"api_server\":\"down\""), down.body());
            assertTrue(down.body().contains("\"agent\":\"up\""), down.body());
            assertFalse(down.body().contains("details"), "no details without a credential: " + down.body());
            assertEquals(200, front.get("/front/health").statusCode(), "liveness is not readiness");
            HttpResponse<String> detailed = front.get("/front/ready", "Authorization", "Bearer " + FrontFixture.TOKEN);
            assertEquals(503, detailed.statusCode());
            assertTrue(detailed.body().contains("\"details\"") && detailed.body().contains("not reachable"), detailed.body());
        } finally {
            up.close();
        }
    }

    @Test
    void aWrongKeyIsNotReady() throws Exception {
        try (FakeUpstream up = new FakeUpstream()) {
            up.handle("/v1/models", ex -> FakeUpstream.json(ex, 401, "{\"error\": {\"code\": \"invalid_api_key\"}}"));
            try (FrontFixture front = new FrontFixture(withApi(api(up)))) {
                HttpResponse<String> r = front.get("/front/ready", "Authorization", "Bearer " + FrontFixture.TOKEN);
                assertEquals(503, r.statusCode());
                assertTrue(r.body().contains("rejects the configured key"), r.body());
            }
        }
    }
}
