package dev.hermesfront.gateway.grants;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Secret;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 21: a model-based test of the grant model. Seeded, bounded random sequences of mint (tickets, share links),
 * attach (token, ticket, link), reload (narrow, widen, remove, re-add under the same name with another token, or with
 * the same one), expire and revoke run against a real front; a model tracks each grant's source and cap. After every
 * step, every open connection is probed with calls needing read, chat and admin: none may be allowed more than
 * {@code min(cap, its source's current scope)}, and a connection whose source is gone (or whose link died) must be
 * closed. An attach with a dead ticket or link must not open, or open with no more than the model allows.
 */
class AuthorityModelTest {
    private static final List<String> NAMES = List.of("a", "b");
    private static final Scope[] SCOPES = {Scope.READ, Scope.CHAT, Scope.ADMIN};

    /** A credential as configured now: its token generation and scope. */
    private record Cred(String name, int gen, Scope scope) {
        String token() {
            return name + "-token-generation-" + gen + "-0123456789";
        }

        String source() {
            return name + "#" + gen;
        }
    }

    /** A grant in the model: where it comes from and what it may do at most; {@code link} for a share. */
    private record ModelGrant(String source, Scope cap, String link) {}

    private record Link(String id, String token, String agent, String source, Scope cap, java.time.Instant expires, boolean[] revoked) {}

    private record Conn(WsTestClient ws, ModelGrant grant, Scope admitted, String label) {}

    private final Map<String, Cred> config = new LinkedHashMap<>();
    private final List<String> tickets = new ArrayList<>();
    private final Map<String, ModelGrant> ticketGrants = new LinkedHashMap<>();
    private final List<Link> links = new ArrayList<>();
    private final List<Conn> conns = new ArrayList<>();
    private GrantFixture f;
    private int probeIds;

    private Credential[] configured() {
        return config.values().stream().map(c -> new Credential.Token(c.name(), Secret.of(c.token()), c.scope())).toArray(Credential[]::new);
    }

    /** Returns the current scope of a source, or empty when it is gone. */
    private Optional<Scope> current(String source) {
        return config.values().stream().filter(c -> c.source().equals(source)).findFirst().map(Cred::scope);
    }

    private Optional<Scope> effective(ModelGrant g) {
        if (g.link() != null) {
            Link l = links.stream().filter(x -> x.id().equals(g.link())).findFirst().orElseThrow();
            if (l.revoked()[0] || !f.clock.instant().isBefore(l.expires())) {
                return Optional.empty();
            }
        }
        return current(g.source()).map(s -> s.covers(g.cap()) ? g.cap() : s);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 4, 6, 10, 16})
    void noConnectionOrGrantEverHoldsMoreThanItsSourceNow(long seed) throws Exception {
        Random r = new Random(seed);
        Path dir = Files.createTempDirectory("authority-model");
        config.put("a", new Cred("a", 0, Scope.ADMIN));
        config.put("b", new Cred("b", 0, Scope.CHAT));
        f = new GrantFixture(dir, HubSettings.defaults(), configured());
        try {
            for (int step = 0; step < 40; step++) {
                String did = step(r);
                check(seed, step, did);
            }
        } finally {
            conns.forEach(c -> c.ws().close());
            f.close();
        }
    }

    private String step(Random r) throws Exception {
        int what = r.nextInt(10);
        List<Cred> present = new ArrayList<>(config.values());
        Cred c = present.isEmpty() ? null : present.get(r.nextInt(present.size()));
        switch (what) {
            case 0, 1 -> {
                if (c == null) {
                    return "nothing";
                }
                attach("?token=" + c.token(), new ModelGrant(c.source(), c.scope(), null), "token " + c.source());
                return "attach token " + c.source();
            }
            case 2 -> {
                if (c == null) {
                    return "nothing";
                }
                String t = f.ticket(c.token());
                tickets.add(t);
                ticketGrants.put(t, new ModelGrant(c.source(), c.scope(), null));
                return "mint ticket " + c.source();
            }
            case 3 -> {
                if (tickets.isEmpty()) {
                    return "nothing";
                }
                String t = tickets.remove(r.nextInt(tickets.size()));
                attach("?ticket=" + t, ticketGrants.get(t), "ticket of " + ticketGrants.get(t).source());
                return "attach ticket";
            }
            case 4 -> {
                if (c == null || !c.scope().covers(Scope.CHAT)) {
                    return "nothing";
                }
                JsonNode agents = GrantFixture.json(f.rest("GET", "/front/agents", c.token(), null).body()).path("agents");
                String agent = null;
                for (JsonNode a : agents) {
                    if (a.path("owner").asText().equals(c.name())) {
                        agent = a.path("id").asText();
                    }
                }
                if (agent == null) {
                    return "nothing";
                }
                boolean participant = r.nextBoolean();
                HttpResponse<String> res = f.rest("POST", "/front/agents/" + agent + "/share", c.token(),
                        "{\"role\": \"" + (participant ? "participant" : "viewer") + "\", \"ttl\": \"" + (10 + r.nextInt(50)) + "s\"}");
                if (res.statusCode() != 201) {
                    return "mint link refused " + res.statusCode();
                }
                JsonNode m = GrantFixture.json(res.body());
                Scope cap = participant ? (c.scope().covers(Scope.CHAT) ? Scope.CHAT : c.scope()) : Scope.READ;
                links.add(new Link(m.path("id").asText(), m.path("token").asText(), agent, c.source(), cap,
                        java.time.Instant.parse(m.path("expires_at").asText()), new boolean[1]));
                return "mint link " + c.source() + " " + cap;
            }
            case 5 -> {
                if (links.isEmpty()) {
                    return "nothing";
                }
                Link l = links.get(r.nextInt(links.size()));
                attach("?share=" + URLEncoder.encode(l.token(), StandardCharsets.UTF_8), new ModelGrant(l.source(), l.cap(), l.id()),
                        "link of " + l.source());
                return "attach link";
            }
            case 6, 7 -> {
                String name = NAMES.get(r.nextInt(NAMES.size()));
                Cred now = config.get(name);
                int kind = r.nextInt(4);
                String did;
                if (now == null || kind == 3) {
                    int gen = now == null ? nextGen(name) : now.gen() + (r.nextBoolean() ? 1 : 0);
                    config.put(name, new Cred(name, gen, SCOPES[r.nextInt(SCOPES.length)]));
                    did = "re-add " + name + "#" + gen;
                } else if (kind == 0 && config.size() > 1) {
                    config.remove(name);
                    removedGen.put(name, now.gen());
                    did = "remove " + name;
                } else {
                    config.put(name, new Cred(name, now.gen(), SCOPES[r.nextInt(SCOPES.length)]));
                    did = "rescope " + name + " " + config.get(name).scope();
                }
                assertTrue(f.reload(configured()).applied());
                return "reload: " + did;
            }
            case 8 -> {
                f.clock.advance(Duration.ofSeconds(5 + r.nextInt(30)));
                return "advance clock";
            }
            default -> {
                if (links.isEmpty()) {
                    return "nothing";
                }
                Link l = links.get(r.nextInt(links.size()));
                Cred admin = config.values().stream().filter(x -> x.scope() == Scope.ADMIN).findFirst().orElse(null);
                if (admin == null) {
                    return "nothing";
                }
                int status = f.rest("DELETE", "/front/agents/" + l.agent() + "/share/" + l.id(), admin.token(), null).statusCode();
                if (status == 204) {
                    l.revoked()[0] = true;
                }
                return "revoke link " + status;
            }
        }
    }

    private final Map<String, Integer> removedGen = new LinkedHashMap<>();

    private int nextGen(String name) {
        return removedGen.getOrDefault(name, 0) + 1;
    }

    private void attach(String query, ModelGrant g, String label) throws Exception {
        WsTestClient ws;
        try {
            ws = WsTestClient.connect(URI.create("ws://127.0.0.1:" + f.server.port() + "/api/ws" + query));
        } catch (Exception e) {
            return; // refused at the handshake
        }
        Optional<Scope> now = effective(g);
        String first = ws.poll(Duration.ofSeconds(5));
        if (first == null) {
            ws.close();
            return; // closed at once: refused (4401/4403) or no agent
        }
        conns.add(new Conn(ws, g, now.orElse(null), label));
    }

    private void check(long seed, int step, String did) throws Exception {
        String where = "seed " + seed + " step " + step + " (" + did + ")";
        for (Conn c : conns) {
            if (c.ws().isClosed()) {
                continue;
            }
            Optional<Scope> now = effective(c.grant());
            if (now.isEmpty() || c.admitted() == null || !now.get().covers(c.admitted())) {
                // Its source is gone, its link died, or it was narrowed below what it was admitted with: it must close.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!c.ws().isClosed() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                if (!c.ws().isClosed()) {
                    // Closed or not, it must not be allowed anything beyond what stands now.
                    probeAll(c, now, where + " [should have been closed]");
                    fail(where + ": " + c.label() + " still open though its authority is " + now + " (admitted " + c.admitted() + ")");
                }
                continue;
            }
            probeAll(c, now, where);
        }
    }

    private void probeAll(Conn c, Optional<Scope> now, String where) throws Exception {
        for (Map.Entry<Scope, String> p : Map.of(Scope.ADMIN, "shell.exec", Scope.CHAT, "session.create", Scope.READ, "session.list").entrySet()) {
            Boolean allowed = probe(c.ws(), p.getValue());
            if (allowed == null) {
                return; // closed meanwhile
            }
            if (allowed && (now.isEmpty() || !now.get().covers(p.getKey()))) {
                fail(where + ": " + c.label() + " was allowed " + p.getValue() + " (needs " + p.getKey().label() + ") though its authority is "
                        + now.map(Scope::label).orElse("gone"));
            }
        }
    }

    /** Sends a call; true when the front let it through, false when it refused it (-32003/-32004), null when closed. */
    private Boolean probe(WsTestClient ws, String method) throws Exception {
        String id = "probe-" + (++probeIds);
        try {
            ws.send(GrantFixture.call(id, method, "{}"));
        } catch (Exception e) {
            return null;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            String m = ws.poll(Duration.ofMillis(200));
            if (m == null) {
                if (ws.isClosed()) {
                    return null;
                }
                continue;
            }
            JsonNode j = GrantFixture.json(m);
            if (j.path("id").asText("").equals(id) && !j.has("method")) {
                int code = j.path("error").path("code").asInt(0);
                return code != -32003 && code != -32004;
            }
        }
        return ws.isClosed() ? null : Boolean.FALSE;
    }
}
