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

    private record RestRule(String method, String prefix, Scope scope) {}

    private AccessPolicy(Map<String, Scope> methods, Scope responses, List<RestRule> rest) {
        this.methods = Map.copyOf(methods);
        this.responses = responses;
        this.rest = List.copyOf(rest);
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
        List<RestRule> rest = new ArrayList<>();
        for (JsonNode r : root.path("rest")) {
            rest.add(new RestRule(r.path("method").asText("*"), r.path("prefix").asText("/"),
                    Scope.parse(r.path("scope").asText()).orElseThrow(() -> new IllegalStateException("bad scope in " + r))));
        }
        return new AccessPolicy(methods, responses, rest);
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
        for (RestRule r : rest) {
            if ((r.method.equals("*") || r.method.equalsIgnoreCase(httpMethod)) && matchesPrefix(path, r.prefix)) {
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
