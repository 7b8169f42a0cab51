package dev.hermesfront.gateway.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.CredentialCarriers;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Decision;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.routes.RouteTable;
import dev.hermesfront.gateway.routes.Routes;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.util.List;
import java.util.function.Supplier;

/**
 * The front's operations routes. {@code GET /front/ready}: public readiness, 200 or 503 with
 * {@code {"status": "ready"|"not_ready", "checks": {"agent": "up", ...}}}; a caller with a {@code read}
 * credential also gets {@code "details"}, one sentence per check. {@code POST /front/reload}: re-reads the
 * configuration (admin), answering the {@link ReloadReport} (200 applied, 422 refused). Both run on worker threads.
 */
public final class OpsRoutes implements Routes {
    /** Readiness. */
    public static final String READY = "/front/ready";
    /** Reload. */
    public static final String RELOAD = "/front/reload";

    private final ObjectMapper json;
    private final HttpHandler ready;
    private final HttpHandler reload;

    public OpsRoutes(Readiness readiness, Supplier<ReloadReport> reloader, Gate gate, boolean basicOffered, ObjectMapper json) {
        this.json = json;
        this.ready = ex -> {
            if (!ex.getRequestMethod().equals(Methods.GET) && !ex.getRequestMethod().equals(Methods.HEAD)) {
                ex.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
                ErrorResponses.send(ex, 405, "method_not_allowed", "use GET");
                return;
            }
            if (ex.isInIoThread()) {
                ex.dispatch(e -> ready(e, readiness, gate));
                return;
            }
            ready(ex, readiness, gate);
        };
        this.reload = new AccessHandler(gate, basicOffered, ex -> {
            if (!ex.getRequestMethod().equals(Methods.POST)) {
                ex.getResponseHeaders().put(Headers.ALLOW, "POST");
                ErrorResponses.send(ex, 405, "method_not_allowed", "use POST");
                return;
            }
            if (ex.isInIoThread()) {
                ex.dispatch(e -> reload(e, reloader));
                return;
            }
            reload(ex, reloader);
        });
    }

    private void ready(HttpServerExchange ex, Readiness readiness, Gate gate) {
        boolean details = maySeeDetails(ex, gate);
        List<Readiness.Check> checks = readiness.check();
        boolean up = checks.stream().allMatch(Readiness.Check::up);
        ObjectNode o = json.createObjectNode();
        o.put("status", up ? "ready" : "not_ready");
        ObjectNode c = o.putObject("checks");
        checks.forEach(k -> c.put(k.name(), k.up() ? "up" : "down"));
        if (details) {
            ObjectNode d = o.putObject("details");
            checks.forEach(k -> d.put(k.name(), k.detail()));
        }
        ex.setStatusCode(up ? 200 : 503);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(o.toString());
    }

    /** A caller that presents a credential covering read sees the details; a wrong one is counted like anywhere else. */
    private static boolean maySeeDetails(HttpServerExchange ex, Gate gate) {
        String address = ex.getSourceAddress().getAddress().getHostAddress();
        Gate.Facts facts = new Gate.Facts("rest", address, "GET", READY, null);
        Gate.Authentication auth = gate.authenticate(CredentialCarriers.from(ex, false), address, facts);
        return auth instanceof Gate.Authentication.Authenticated ok
                && gate.authorize(ok.who(), Scope.READ, Gate.Limit.REST, facts) == Decision.ALLOWED;
    }

    private void reload(HttpServerExchange ex, Supplier<ReloadReport> reloader) {
        ReloadReport r = reloader.get();
        ex.setStatusCode(r.applied() ? 200 : 422);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(r.json(json));
    }

    @Override
    public void register(RouteTable routes) {
        // /front/ready answers anyone; its details need read (checked in the handler, by the same table row).
        routes.exact(READY, RouteTable.Needs.PUBLIC, ready).exact(RELOAD, RouteTable.Needs.own(Scope.ADMIN, "POST"), reload);
    }
}
