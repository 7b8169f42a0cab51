package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.config.Scope;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The router, and what each of its routes needs, declared where the route is registered (issue 21: no route may
 * become public or {@code read} by falling through to a catch-all). Every {@link Routes} concern registers its
 * paths here with a {@link Needs}: public (no credential), the TUI channel (any one credential at the handshake,
 * then the method table per frame), the front's own route (a scope per HTTP method, which {@code method-scopes.yaml}
 * must say too), or a proxied surface (the {@code rest:} and {@code sockets:} tables decide per request, and must
 * name the route's path). {@code RouteScopesTest} checks every registered route against the scope table.
 */
public final class RouteTable {
    private final PathHandler paths;
    private final List<Route> routes = new ArrayList<>();

    /** How a route is authorized. */
    public enum Kind {
        /** No credential: health, the page's static files, readiness without details. */
        PUBLIC,
        /** {@code /api/ws}: any one credential at the handshake; every frame by the method table. */
        CHANNEL,
        /** The front's own REST route: the scope per HTTP method in {@link Needs#byMethod}. */
        OWN,
        /** A proxied surface: each request by the {@code rest:} (or {@code sockets:}) table. */
        TABLE
    }

    /**
     * What a route needs.
     *
     * @param kind     how it is authorized
     * @param byMethod for {@link Kind#OWN}: the scope of each HTTP method it serves (upper case); empty otherwise
     */
    public record Needs(Kind kind, Map<String, Scope> byMethod) {
        /** No credential. */
        public static final Needs PUBLIC = new Needs(Kind.PUBLIC, Map.of());
        /** The TUI channel. */
        public static final Needs CHANNEL = new Needs(Kind.CHANNEL, Map.of());
        /** Decided per request by the scope table. */
        public static final Needs TABLE = new Needs(Kind.TABLE, Map.of());

        public Needs {
            Objects.requireNonNull(kind, "kind");
            byMethod = Map.copyOf(byMethod);
            if ((kind == Kind.OWN) == byMethod.isEmpty()) {
                throw new IllegalArgumentException("the front's own routes, and only they, name a scope per method");
            }
        }

        /** The front's own route: {@code scope} for each of {@code methods}. */
        public static Needs own(Scope scope, String... methods) {
            return new Needs(Kind.OWN, with(Map.of(), scope, methods));
        }

        /** Returns these (own) needs plus {@code scope} for {@code methods}. */
        public Needs and(Scope scope, String... methods) {
            if (kind != Kind.OWN) {
                throw new IllegalStateException("only the front's own routes name a scope per method");
            }
            return new Needs(Kind.OWN, with(byMethod, scope, methods));
        }

        private static Map<String, Scope> with(Map<String, Scope> base, Scope scope, String... methods) {
            Map<String, Scope> m = new LinkedHashMap<>(base);
            for (String method : methods) {
                m.put(method.toUpperCase(Locale.ROOT), Objects.requireNonNull(scope, "scope"));
            }
            return m;
        }
    }

    /**
     * One registered route.
     *
     * @param path   the path, as matched after normalisation
     * @param prefix true for a prefix route, false for an exact one
     * @param needs  what it needs
     */
    public record Route(String path, boolean prefix, Needs needs) {}

    /** A table over {@code paths}, the router requests are dispatched by. */
    public RouteTable(PathHandler paths) {
        this.paths = paths;
    }

    /** Registers {@code handler} for exactly {@code path}. */
    public RouteTable exact(String path, Needs needs, HttpHandler handler) {
        paths.addExactPath(path, handler);
        routes.add(new Route(path, false, needs));
        return this;
    }

    /** Registers {@code handler} for {@code path} and everything under it. */
    public RouteTable prefix(String path, Needs needs, HttpHandler handler) {
        paths.addPrefixPath(path, handler);
        routes.add(new Route(path, true, needs));
        return this;
    }

    /** Returns every route registered, in order. */
    public List<Route> routes() {
        return List.copyOf(routes);
    }
}
