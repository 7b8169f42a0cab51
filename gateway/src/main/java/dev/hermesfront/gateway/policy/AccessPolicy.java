package dev.hermesfront.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scope each call needs, read from data ({@code method-scopes.yaml} next to this class): JSON-RPC
 * methods on /api/ws, and method + path-prefix rules for REST routes. Anything not listed needs
 * {@link Scope#ADMIN}, so a method or route a newer Hermes adds is denied until someone decides.
 * Immutable and thread-safe.
 */
public final class AccessPolicy {
    private final Map<String, Scope> methods;
    private final Scope responses;
    private final List<RestRule> rest;
    private final List<RestRule> sockets;

    /** A rule: HTTP method (or {@code *}), and a path prefix ({@code exact} false) or an exact path. */
    private record RestRule(String method, String path, boolean exact, Scope scope) {
        boolean matches(String httpMethod, String p) {
            if (!(method.equals("*") || method.equalsIgnoreCase(httpMethod))) {
                return false;
            }
            return exact ? p.equals(path) : matchesPrefix(p, path);
        }
    }

    private AccessPolicy(Map<String, Scope> methods, Scope responses, List<RestRule> rest, List<RestRule> sockets) {
        this.methods = Map.copyOf(methods);
        this.responses = responses;
        this.rest = List.copyOf(rest);
        this.sockets = List.copyOf(sockets);
    }

    /** Loads the built-in table. */
    public static AccessPolicy builtIn() {
        try (InputStream in = AccessPolicy.class.getResourceAsStream("method-scopes.yaml")) {
            if (in == null) {
                throw new IllegalStateException("method-scopes.yaml missing from the class path");
            }
            return parse(new YAMLMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static AccessPolicy parse(JsonNode root) {
        Map<String, Scope> methods = new HashMap<>();
        JsonNode ws = root.path("ws");
        for (Scope s : Scope.values()) {
            for (JsonNode m : ws.path(s.label())) {
                Scope prev = methods.put(m.asText(), s);
                if (prev != null) {
                    throw new IllegalStateException("method " + m.asText() + " listed under both " + prev.label() + " and " + s.label());
                }
            }
        }
        Scope responses = Scope.parse(ws.path("responses").asText("admin")).orElse(Scope.ADMIN);
        return new AccessPolicy(methods, responses, rules(root.path("rest")), rules(root.path("sockets")));
    }

    private static List<RestRule> rules(JsonNode list) {
        List<RestRule> out = new ArrayList<>();
        for (JsonNode r : list) {
            boolean exact = r.has("path");
            String path = exact ? r.path("path").asText() : r.path("prefix").asText("/");
            out.add(new RestRule(r.path("method").asText("*"), path, exact,
                    Scope.parse(r.path("scope").asText()).orElseThrow(() -> new IllegalStateException("bad scope in " + r))));
        }
        return out;
    }

    /** Returns the scope a JSON-RPC method needs; unknown methods need admin. */
    public Scope forMethod(String method) {
        return methods.getOrDefault(method, Scope.ADMIN);
    }

    /** Returns the scope a client frame without a method (a response) needs. */
    public Scope forResponse() {
        return responses;
    }

    /** Returns the scope a REST request needs: the first matching rule's, else admin. */
    public Scope forRest(String httpMethod, String path) {
        return first(rest, httpMethod, path);
    }

    /**
     * Returns the scope a WebSocket upgrade to {@code path} needs when the front proxies it (a dashboard
     * socket such as {@code /api/pty}, or any other upstream socket): the first matching {@code sockets}
     * rule's, else admin. The front's own {@code /api/ws} is not proxied and not decided here: any
     * authenticated identity may open it, and each of its messages is checked by {@link #forMethod}.
     */
    public Scope forUpgrade(String path) {
        return first(sockets, "GET", path);
    }

    private static Scope first(List<RestRule> rules, String httpMethod, String path) {
        for (RestRule r : rules) {
            if (r.matches(httpMethod, path)) {
                return r.scope;
            }
        }
        return Scope.ADMIN;
    }

    private static boolean matchesPrefix(String path, String prefix) {
        if (prefix.equals("/")) {
            return true;
        }
        return path.equals(prefix) || path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
    }
}
