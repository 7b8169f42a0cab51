package dev.hermesfront.gateway.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hermesfront.gateway.config.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scope each call needs, read from data next to this class: {@code method-scopes.tsv} for JSON-RPC
 * methods on /api/ws (one row per method of the current contract, plus the older fork wire's, with the
 * scope answering each server-to-client request needs), and {@code method-scopes.yaml} for REST routes and
 * proxied sockets. Anything not listed needs {@link Scope#ADMIN}, so a method or route a newer Hermes adds
 * is denied until someone decides. Immutable and thread-safe.
 */
public final class AccessPolicy {
    private final Map<String, Scope> methods;
    private final Map<String, Scope> answers;
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

    private AccessPolicy(Map<String, Scope> methods, Map<String, Scope> answers, Scope responses, List<RestRule> rest,
                         List<RestRule> sockets) {
        this.methods = Map.copyOf(methods);
        this.answers = Map.copyOf(answers);
        this.responses = responses;
        this.rest = List.copyOf(rest);
        this.sockets = List.copyOf(sockets);
    }

    /** Loads the built-in tables. */
    public static AccessPolicy builtIn() {
        try (InputStream yaml = AccessPolicy.class.getResourceAsStream("method-scopes.yaml");
             InputStream tsv = AccessPolicy.class.getResourceAsStream("method-scopes.tsv")) {
            if (yaml == null || tsv == null) {
                throw new IllegalStateException("method-scopes.yaml or .tsv missing from the class path");
            }
            return parse(new YAMLMapper().readTree(yaml), new String(tsv.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One row of the method table. */
    public record MethodRow(String method, String direction, Scope scope, String why) {}

    /** Parses the method table: tab-separated {@code method, direction, scope, why}; {@code #} lines are comments. */
    public static List<MethodRow> methodRows(String tsv) {
        List<MethodRow> out = new ArrayList<>();
        boolean header = true;
        for (String line : tsv.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (header) {
                header = false;
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 4) {
                throw new IllegalStateException("method table row must have 4 tab-separated fields: " + line);
            }
            out.add(new MethodRow(f[0], f[1], Scope.parse(f[2]).orElseThrow(() -> new IllegalStateException("bad scope: " + line)), f[3]));
        }
        return out;
    }

    static AccessPolicy parse(JsonNode root, String methodTable) {
        Map<String, Scope> methods = new HashMap<>();
        Map<String, Scope> answers = new HashMap<>();
        for (MethodRow r : methodRows(methodTable)) {
            Map<String, Scope> into = r.direction().equals("s2c") ? answers : methods;
            if (into.put(r.method(), r.scope()) != null) {
                throw new IllegalStateException("method " + r.method() + " listed twice in method-scopes.tsv");
            }
        }
        Scope responses = Scope.parse(root.path("responses").asText("admin")).orElse(Scope.ADMIN);
        return new AccessPolicy(methods, answers, responses, rules(root.path("rest")), rules(root.path("sockets")));
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

    /** Returns true when {@code method} is a row of the method table (a client-to-server method). */
    public boolean listed(String method) {
        return method != null && methods.containsKey(method);
    }

    /** Returns the scope a client frame without a method (a response) needs when the request it answers is unknown. */
    public Scope forResponse() {
        return responses;
    }

    /**
     * Returns the scope answering a server-to-client request of {@code requestMethod} needs (e.g. chat for
     * {@code approval}, admin for {@code display.install.sudo}); an unknown request method needs admin.
     */
    public Scope forAnswer(String requestMethod) {
        return answers.getOrDefault(requestMethod, Scope.ADMIN);
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

    /**
     * Returns true when the first rule matching {@code httpMethod} {@code path} is the dashboard's catch-all
     * ({@code prefix: /}, read): no rule names the path. No match at all is deny-by-default (admin), not this.
     */
    public boolean caughtByCatchAll(String httpMethod, String path) {
        for (RestRule r : rest) {
            if (r.matches(httpMethod, path)) {
                return !r.exact && r.path.equals("/");
            }
        }
        return false;
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
