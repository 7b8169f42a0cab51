package dev.hermesfront.gateway.grants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The API server's {@code /api/sessions*} reads and writes the one stored-session database of every principal (the F6
 * gap the TUI channel's filtering left): with more than one principal it needs admin; one credential keeps its table
 * rule (read to list, chat to write).
 */
class RestStoredSessionsTest {
    static final String ALICE = "alice-token-0123456789";
    static final String OPS = "ops-token-0123456789abc";
    static final String API_KEY = "sk-inner-api-key-0123456789";

    private FakeUpstream api;
    private FrontFixture front;

    @AfterEach
    void stop() {
        if (front != null) {
            front.close();
        }
        if (api != null) {
            api.close();
        }
    }

    private void start(Credential... creds) throws Exception {
        api = new FakeUpstream();
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Credentials.of(List.of(creds)))).upstreams(UpstreamConfig.of(api.uri(), Secret.of(API_KEY)), null).get();
        front = new FrontFixture(cfg);
    }

    private HttpResponse<String> send(String method, String path, String token) throws Exception {
        return front.send(front.request(path).header("Authorization", "Bearer " + token)
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}"))
                .build());
    }

    @Test
    void withTwoCredentialsOnlyAnAdminReachesTheStoredSessionsOverRest() throws Exception {
        start(new Credential.Token("alice", Secret.of(ALICE), "chat"), new Credential.Token("ops", Secret.of(OPS), "admin"));
        for (String[] call : List.of(new String[] {"GET", "/api/sessions"}, new String[] {"GET", "/api/sessions/20260101_000000_abcdef/messages"},
                new String[] {"DELETE", "/api/sessions/20260101_000000_abcdef"}, new String[] {"POST", "/api/sessions/20260101_000000_abcdef/chat"})) {
            HttpResponse<String> r = send(call[0], call[1], ALICE);
            assertEquals(403, r.statusCode(), call[0] + " " + call[1] + ": " + r.body());
            assertTrue(call[0].equals("DELETE") || r.body().contains("sessions_need_admin"), r.body()); // DELETE: admin in the table already
        }
        assertEquals(200, send("GET", "/api/sessions", OPS).statusCode());
        FakeUpstream.Seen s = api.next();
        assertEquals("/api/sessions", s.path(), "the admin's call is the first the API server sees: alice's never reached it");
        assertEquals(200, send("GET", "/api/jobs", ALICE).statusCode(), "the rest of the API surface is unchanged");
        assertNotNull(api.next());
    }

    @Test
    void oneCredentialKeepsTheTableRule() throws Exception {
        start(new Credential.Token("alice", Secret.of(ALICE), "chat"));
        assertEquals(200, send("GET", "/api/sessions", ALICE).statusCode());
        assertEquals("/api/sessions", api.next().path());
    }
}
