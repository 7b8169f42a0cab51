package dev.hermesfront.gateway.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.PeerConfig;
import dev.hermesfront.gateway.config.PeerSettings;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.policy.AccessPolicy;
import dev.hermesfront.gateway.routes.RouteTable.Kind;
import dev.hermesfront.gateway.routes.RouteTable.Route;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every route of the router, on a front with an API server, a dashboard and a peer (every concern registered),
 * declares what it needs, and the scope table agrees (issue 21): the front's own routes have the scope they declare
 * for each method, and no other method; proxied routes are named by a rule of their own (never the dashboard's
 * catch-all); the public routes are exactly the known ones. A new route that is not declared does not compile; one
 * declared but missing from {@code method-scopes.yaml} fails here.
 */
class RouteScopesTest {
    /** The routes that answer without a credential, and why each may. */
    private static final Set<String> PUBLIC = Set.of(
            "=/front/health", // liveness
            "=/health", "=/v1/health", // the API server's public health, rate limited per address
            "/front", // the page's static files; every call they make is authenticated
            "=/front/ready", // readiness; details need read
            "=/front/pair"); // redeeming a pairing code: the code is the credential, each failure counts towards the lockout
    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");

    private static List<Route> routes() throws Exception {
        GatewayConfig base = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of("route-table-token-0123"));
        Duration t = Duration.ofSeconds(5);
        UpstreamConfig api = UpstreamConfig.of(URI.create("http://127.0.0.1:9"), Secret.of("k")).withTimeouts(t, t, t);
        UpstreamConfig dash = UpstreamConfig.of(URI.create("http://127.0.0.1:10"), Secret.of("d")).withTimeouts(t, t, t);
        PeerConfig peer = new PeerConfig("p1", URI.create("http://127.0.0.1:11"), new PeerConfig.Token(Secret.of("peer-token")), t);
        GatewayConfig cfg = base.withUpstreams(base.upstreams().withUpstreams(api, dash))
                .withPeers(new PeerSettings(List.of(peer), Duration.ofMinutes(10), t));
        GatewayServer server = GatewayServer.builder(cfg, new DemoLauncher(new ObjectMapper(), new FrameCodec())).build().start();
        try {
            return server.routes();
        } finally {
            server.close();
        }
    }

    @Test
    void everyRouteDeclaresWhatItNeedsAndTheScopeTableAgrees() throws Exception {
        AccessPolicy policy = AccessPolicy.builtIn();
        List<Route> routes = routes();
        List<String> wrong = new ArrayList<>();
        Set<String> publicRoutes = new TreeSet<>();
        for (Route r : routes) {
            String key = (r.prefix() ? "" : "=") + r.path();
            List<String> samples = r.prefix() && !r.path().equals("/") ? List.of(r.path(), r.path() + "/any/new/route") : List.of(r.path());
            switch (r.needs().kind()) {
                case PUBLIC -> publicRoutes.add(key);
                case CHANNEL -> {
                    if (!r.path().equals(TuiRoutes.PATH)) {
                        wrong.add(key + ": only /api/ws is the channel");
                    }
                }
                case OWN -> {
                    for (String method : METHODS) {
                        Scope declared = r.needs().byMethod().get(method);
                        for (String path : samples) {
                            Scope table = policy.forRest(method, path);
                            if (declared != null && (table != declared || policy.caughtByCatchAll(method, path))) {
                                wrong.add(key + ": " + method + " " + path + " is declared " + declared.label() + ", the table says "
                                        + table.label());
                            }
                            if (declared == null && table != Scope.ADMIN) {
                                wrong.add(key + ": " + method + " " + path + " is not served, yet the table gives it " + table.label());
                            }
                        }
                    }
                }
                case TABLE -> {
                    if (r.path().equals("/")) {
                        continue; // the dashboard: its pages are the catch-all's, its API and sockets named above it
                    }
                    for (String path : samples) {
                        for (String method : METHODS) {
                            if (policy.caughtByCatchAll(method, path)) {
                                wrong.add(key + ": " + method + " " + path + " falls through to the catch-all ("
                                        + policy.forRest(method, path).label() + ")");
                            }
                        }
                    }
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertEquals(new TreeSet<>(PUBLIC), publicRoutes, "the public routes are exactly the known ones");
        assertTrue(routes.stream().anyMatch(r -> r.path().equals("/") && r.needs().kind() == Kind.TABLE), "the dashboard's route is there");
        assertTrue(routes.size() >= 15, "every concern registered: " + routes);
    }

    @Test
    void nothingOfTheFrontOrTheApiServerFallsThroughToReadUnlisted() {
        AccessPolicy policy = AccessPolicy.builtIn();
        for (String path : List.of("/front/new-thing", "/front/agents-extra/x", "/v1/new-endpoint", "/p/default/v1/models", "/peers/p1/v1/models")) {
            assertEquals(Scope.ADMIN, policy.forRest(path.startsWith("/peers") ? "HEAD" : "GET", path), path);
        }
        assertEquals(Scope.READ, policy.forRest("GET", "/assets/index.js"), "the dashboard's pages stay read");
        assertFalse(policy.caughtByCatchAll("GET", "/v1/models"));
        assertTrue(policy.caughtByCatchAll("GET", "/assets/index.js"));
        assertEquals(Map.of("GET", Scope.READ, "POST", Scope.CHAT, "DELETE", Scope.CHAT),
                RouteTable.Needs.own(Scope.READ, "GET").and(Scope.CHAT, "POST", "DELETE").byMethod());
    }
}
