package dev.hermesfront.gateway.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.WsTestClient;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two (and three) protocol clients on one agent that speaks the current wire (the stand-in of
 * {@code bridge.current}): the owner, a viewer from a share link, the owner's second device.
 */
class SharingTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String OWNER = "owner-token-0123456789";
    private static final String OTHER = "other-token-0123456789";
    private static final String ADMIN = "admin-token-0123456789";
    private static final String READ = "read-token-01234567890";

    @TempDir
    Path dir;
    private GatewayServer server;
    private CurrentWireLauncher agent;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WsTestClient> clients = new ArrayList<>();

    private void start(ParkingPolicy parking) throws Exception {
        Credentials creds = Credentials.of(List.of(new Credential.Token("laptop", Secret.of(OWNER), "chat"),
                new Credential.Token("other", Secret.of(OTHER), "chat"), new Credential.Token("ops", Secret.of(ADMIN), "admin"),
                new Credential.Token("reader", Secret.of(READ), "read")));
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), creds)).parking(parking)
                .audit(dir.resolve("audit.jsonl")).get();
        agent = new CurrentWireLauncher(AgentJson.newMapper(), new FrameCodec());
        server = GatewayServer.builder(cfg, agent).build().start();
    }

    @AfterEach
    void stop() {
        clients.forEach(WsTestClient::close);
        if (server != null) {
            server.close();
        }
    }

    private WsTestClient connect(String query) throws Exception {
        WsTestClient c = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/api/ws" + query));
        clients.add(c);
        return c;
    }

    private static JsonNode json(String s) throws Exception {
        return MAPPER.readTree(s);
    }

    /** Reads frames until one matches; returns every frame read, the match last. */
    private static List<JsonNode> until(WsTestClient c, Predicate<JsonNode> p) throws Exception {
        List<JsonNode> seen = new ArrayList<>();
        while (true) {
            JsonNode f = json(c.next());
            seen.add(f);
            if (p.test(f)) {
                return seen;
            }
        }
    }

    /** Reads raw frames until one contains {@code text}; returns it. */
    private static String untilRaw(WsTestClient c, String text) throws Exception {
        while (true) {
            String f = c.next();
            if (f.contains(text)) {
                return f;
            }
        }
    }

    private static Predicate<JsonNode> id(String id) {
        return f -> f.path("id").asText("").equals(id) && !f.has("method");
    }

    private static Predicate<JsonNode> type(String t) {
        return f -> f.path("params").path("type").asText("").equals(t);
    }

    private static String call(String id, String method, String params) {
        return "{\"jsonrpc\": \"2.0\", \"id\": \"" + id + "\", \"method\": \"" + method + "\", \"params\": " + params + "}";
    }

    private HttpResponse<String> rest(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The owner attached, advertising server requests, with one session; returns {live, stored}. */
    private String[] ownerWithSession(WsTestClient owner, boolean advertise) throws Exception {
        JsonNode ready = json(owner.next());
        assertEquals("gateway.ready", ready.path("params").path("type").asText());
        if (advertise) {
            owner.send(call("cap", "client.capabilities", "{\"server_requests\": true}"));
            until(owner, id("cap"));
        }
        owner.send(call("c1", "session.create", "{\"cols\": 80}"));
        JsonNode created = until(owner, id("c1")).get(0);
        JsonNode r = created.path("result");
        return new String[] {r.path("session_id").asText(), r.path("stored_session_id").asText()};
    }

    private String onlyAgentId(String token) throws Exception {
        HttpResponse<String> list = rest("GET", "/front/agents", token, null);
        assertEquals(200, list.statusCode(), list.body());
        JsonNode agents = json(list.body()).path("agents");
        assertEquals(1, agents.size(), list.body());
        return agents.get(0).path("id").asText();
    }

    private JsonNode mint(String agentId, String token, String body) throws Exception {
        HttpResponse<String> r = rest("POST", "/front/agents/" + agentId + "/share", token, body);
        assertEquals(201, r.statusCode(), r.body());
        return json(r.body());
    }

    @Test
    void ownerAndViewerShareOneAgent() throws Exception {
        start(ParkingPolicy.defaults());
        WsTestClient owner = connect("?token=" + OWNER);
        String[] s = ownerWithSession(owner, true);
        String agentId = onlyAgentId(OWNER);
        JsonNode share = mint(agentId, OWNER, "{\"role\": \"viewer\", \"ttl\": \"1h\"}");
        String token = share.path("token").asText();
        assertTrue(share.path("url").asText().endsWith("/api/ws?share=" + token), share.toString());
        assertEquals("viewer", share.path("role").asText());

        WsTestClient viewer = WsTestClient.connect(URI.create(share.path("url").asText()));
        clients.add(viewer);
        JsonNode ready = json(viewer.next());
        assertEquals("gateway.ready", ready.path("params").path("type").asText(), "a viewer gets the ready frame first");
        JsonNode payload = ready.path("params").path("payload");
        assertTrue(payload.path("heartbeat").asBoolean(), "a stdio-like link: the front answers pings");
        String metrics = rest("GET", "/metrics", ADMIN, null).body();
        assertTrue(metrics.contains("hermes_front_ws_attaches_total{kind=\"join\"} 1.0"), "a join is counted as one");
        assertTrue(metrics.contains("hermes_front_ws_attaches_total{kind=\"reattach\"} 0.0"), "a join is not a re-attach");
        assertEquals("viewer", payload.path("capabilities").path("hermes_front").path("role").asText());
        assertFalse(payload.has("hermes_front"), "nothing added at the payload's top level");

        // The front answers gateway.ping itself, for every scope, and the agent never sees it.
        viewer.send(call("heartbeat-1", "gateway.ping", "{}"));
        assertEquals("{\"jsonrpc\": \"2.0\", \"result\": {\"ok\": true}, \"id\": \"heartbeat-1\"}", untilRaw(viewer, "heartbeat-1"));
        assertFalse(agent.received().contains("gateway.ping"), agent.received().toString());

        // The same request id from both: each gets its own answer (the stand-in names the method it does not serve).
        owner.send(call("r1", "config.get", "{\"key\": \"full\"}"));
        viewer.send(call("r1", "session.list", "{}"));
        JsonNode ownerAnswer = until(owner, id("r1")).stream().reduce((a, b) -> b).orElseThrow();
        JsonNode viewerAnswer = until(viewer, id("r1")).stream().reduce((a, b) -> b).orElseThrow();
        assertTrue(ownerAnswer.path("error").path("message").asText().contains("config.get"), ownerAnswer.toString());
        assertTrue(viewerAnswer.path("error").path("message").asText().contains("session.list"), viewerAnswer.toString());

        // The TUI's resume by stored id shows the viewer the owner's live session.
        viewer.send(call("v1", "session.resume", "{\"cols\": 80, \"session_id\": \"" + s[1] + "\"}"));
        JsonNode resumed = until(viewer, id("v1")).stream().reduce((a, b) -> b).orElseThrow();
        assertEquals(s[0], resumed.path("result").path("session_id").asText(), resumed.toString());

        // The owner's turn: the viewer sees it live; the approval request goes to the owner only.
        owner.send(call("p1", "prompt.submit", "{\"session_id\": \"" + s[0] + "\", \"text\": \"APPROVE rm it\"}"));
        List<JsonNode> ownerSaw = until(owner, f -> f.path("method").asText("").equals("approval"));
        JsonNode approval = ownerSaw.get(ownerSaw.size() - 1);
        String srq = approval.path("id").asText();
        assertTrue(srq.startsWith("srq-"), approval.toString());
        List<JsonNode> viewerSaw = until(viewer, type("message.delta"));
        assertEquals(s[0], viewerSaw.get(viewerSaw.size() - 1).path("params").path("session_id").asText());

        // A viewer may not prompt, nor answer the approval.
        viewer.send(call("v2", "prompt.submit", "{\"session_id\": \"" + s[0] + "\", \"text\": \"hi\"}"));
        JsonNode denied = until(viewer, id("v2")).stream().reduce((a, b) -> b).orElseThrow();
        assertEquals(-32003, denied.path("error").path("code").asInt(), denied.toString());
        viewer.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + srq + "\", \"result\": {\"choice\": \"always\"}}");
        owner.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + srq + "\", \"result\": {\"choice\": \"once\"}}");
        List<JsonNode> rest = until(viewer, type("message.complete"));
        for (JsonNode f : rest) {
            assertFalse(f.path("method").asText("").equals("approval"), "a viewer never gets a server request: " + f);
        }
        JsonNode done = rest.get(rest.size() - 1);
        assertTrue(done.path("params").path("payload").path("text").asText().contains("Approved (once)"), done.toString());
        assertEquals(1, agent.received().stream().filter(r -> r.startsWith("response")).count(), "one answer reached the agent: "
                + agent.received());
        assertEquals(1, agent.received().stream().filter("prompt.submit"::equals).count(), "the viewer's prompt never reached the agent");

        // A share token opens /api/ws only, never REST.
        assertEquals(401, rest("GET", "/front/agents", token, null).statusCode());
        assertEquals(401, rest("GET", "/front/agents?share=" + token, null, null).statusCode());

        // Revoked: its client is closed 4403 and the link stops working.
        String shareId = share.path("id").asText();
        assertEquals(204, rest("DELETE", "/front/agents/" + agentId + "/share/" + shareId, OWNER, null).statusCode());
        assertEquals(4403, viewer.closeCode());
        WsTestClient again = connect("?share=" + token);
        assertEquals(4401, again.closeCode());
        // A viewer's TUI retries its dead link every few seconds: that is not guessing, so the address (everyone's,
        // behind Tailscale Serve or NAT) is never locked out for it, and the owner carries on.
        for (int i = 0; i < 12; i++) {
            assertEquals(4401, connect("?share=" + token).closeCode());
        }
        assertEquals(200, rest("GET", "/front/agents", OWNER, null).statusCode(), "the owner was locked out by a dead share link");
        String audit = readAudit();
        for (String e : List.of("share_minted", "share_used", "share_revoked")) {
            assertTrue(audit.contains("\"" + e + "\""), e + " audited: " + audit);
        }
        assertFalse(audit.contains(token), "the token is never written down");
    }

    private String readAudit() throws Exception {
        server.close();
        String all = Files.readString(dir.resolve("audit.jsonl"));
        server = null;
        return all;
    }

    @Test
    void aLateAnswerAfterRequestCancelGoesOnAndRequestAnswerSaysExpired() throws Exception {
        start(ParkingPolicy.defaults());
        WsTestClient c = connect("?token=" + OWNER);
        String[] s = ownerWithSession(c, true);
        c.send(call("p1", "prompt.submit", "{\"session_id\": \"" + s[0] + "\", \"text\": \"APPROVE it\"}"));
        String srq = until(c, f -> f.path("method").asText("").equals("approval")).stream().reduce((a, b) -> b).orElseThrow()
                .path("id").asText();
        c.send(call("i1", "session.interrupt", "{\"session_id\": \"" + s[0] + "\"}"));
        until(c, type("request.cancel"));
        c.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + srq + "\", \"result\": {\"choice\": \"once\"}}");
        c.send(call("r5", "request.answer", "{\"id\": \"" + srq + "\", \"result\": {\"choice\": \"once\"}}"));
        JsonNode r5 = until(c, id("r5")).stream().reduce((a, b) -> b).orElseThrow();
        assertEquals("expired", r5.path("result").path("status").asText(), r5.toString());
        // Passed on as a transparent pipe would (the recorded current-04 transcript has it reach the agent).
        assertEquals(1, agent.received().stream().filter(r -> r.startsWith("response")).count(), agent.received().toString());
    }

    @Test
    void answeringARequestNeedsTheRequestsOwnScope() throws Exception {
        start(ParkingPolicy.defaults());
        // A chat credential is asked display.install.sudo (it submitted the turn) but answering it needs admin.
        WsTestClient chat = connect("?token=" + OWNER);
        String[] s = ownerWithSession(chat, true);
        chat.send(call("p1", "prompt.submit", "{\"session_id\": \"" + s[0] + "\", \"text\": \"INSTALL it\"}"));
        JsonNode ask = until(chat, f -> f.path("method").asText("").equals("display.install.sudo")).stream().reduce((a, b) -> b)
                .orElseThrow();
        chat.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + ask.path("id").asText() + "\", \"result\": {\"value\": \"pw-from-chat\"}}");
        // An approval the same credential may answer: its answer goes through, the refused one never did.
        chat.send(call("i1", "session.interrupt", "{\"session_id\": \"" + s[0] + "\"}"));
        until(chat, type("message.complete"));
        assertTrue(agent.received().stream().noneMatch(r -> r.startsWith("response")), "a chat credential's answer to "
                + "display.install.sudo reached the agent: " + agent.received());
        String audit = readAuditSoFar();
        assertTrue(audit.contains("answer:display.install.sudo"), audit);
        assertFalse(audit.contains("pw-from-chat"), "the refused answer's secret is never written down");

        // An admin credential's answer to the same request goes through.
        WsTestClient admin = connect("?token=" + ADMIN);
        String[] a = ownerWithSession(admin, true);
        admin.send(call("p2", "prompt.submit", "{\"session_id\": \"" + a[0] + "\", \"text\": \"INSTALL it\"}"));
        JsonNode ask2 = until(admin, f -> f.path("method").asText("").equals("display.install.sudo")).stream().reduce((x, y) -> y)
                .orElseThrow();
        admin.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + ask2.path("id").asText() + "\", \"result\": {\"value\": \"pw\"}}");
        JsonNode done = until(admin, type("message.complete")).stream().reduce((x, y) -> y).orElseThrow();
        assertTrue(done.path("params").path("payload").path("text").asText().contains("Installing."), done.toString());
    }

    private String readAuditSoFar() throws Exception {
        Path f = dir.resolve("audit.jsonl");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.exists(f) ? Files.readString(f) : "";
            if (text.contains("answer:")) {
                return text;
            }
            Thread.sleep(20);
        }
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Test
    void theOwnersOtherDeviceGetsTheApprovalForItsOwnTurnAndOnlyItsAnswerCounts() throws Exception {
        start(ParkingPolicy.defaults());
        WsTestClient laptop = connect("?token=" + OWNER);
        String[] s = ownerWithSession(laptop, true);
        String agentId = onlyAgentId(OWNER);
        WsTestClient tablet = connect("?token=" + OWNER + "&agent=" + agentId);
        JsonNode ready = json(tablet.next());
        assertEquals("participant", ready.path("params").path("payload").path("capabilities").path("hermes_front").path("role").asText());
        tablet.send(call("cap", "client.capabilities", "{\"server_requests\": true}"));
        until(tablet, id("cap"));
        tablet.send(call("t1", "session.resume", "{\"cols\": 80, \"session_id\": \"" + s[1] + "\"}"));
        until(tablet, id("t1"));
        tablet.send(call("p1", "prompt.submit", "{\"session_id\": \"" + s[0] + "\", \"text\": \"APPROVE from the tablet\"}"));
        List<JsonNode> got = until(tablet, f -> f.path("method").asText("").equals("approval"));
        String srq = got.get(got.size() - 1).path("id").asText();
        List<JsonNode> laptopSaw = until(laptop, type("message.delta"));
        laptopSaw.forEach(f -> assertFalse(f.path("method").asText("").equals("approval")));
        // The laptop was not asked: its answer is dropped, never echoed; the tablet's counts.
        laptop.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + srq + "\", \"result\": {\"choice\": \"deny\"}}");
        tablet.send("{\"jsonrpc\": \"2.0\", \"id\": \"" + srq + "\", \"result\": {\"choice\": \"session\"}}");
        JsonNode done = until(tablet, type("message.complete")).stream().reduce((a, b) -> b).orElseThrow();
        assertTrue(done.path("params").path("payload").path("text").asText().contains("Approved (session)"), done.toString());
        assertEquals(1, agent.received().stream().filter(r -> r.startsWith("response")).count(), "only the tablet's answer reached the agent");
        List<JsonNode> laptopRest = until(laptop, type("message.complete"));
        laptopRest.forEach(f -> assertFalse(f.has("id") && !f.has("method"), "nothing is echoed for a refused answer: " + f));
        // Another credential may not join this agent.
        WsTestClient stranger = connect("?token=" + OTHER + "&agent=" + agentId);
        assertEquals(4403, stranger.closeCode());
        assertEquals(4404, connect("?token=" + OWNER + "&agent=000000000000000000000000").closeCode());
    }

    @Test
    void answersTheAgentsRequestItselfWhenTheClientNeverSaidItHandlesThem() throws Exception {
        start(ParkingPolicy.defaults());
        WsTestClient owner = connect("?token=" + OWNER);
        String[] s = ownerWithSession(owner, false);
        owner.send(call("p1", "prompt.submit", "{\"session_id\": \"" + s[0] + "\", \"text\": \"APPROVE it\"}"));
        List<JsonNode> got = until(owner, type("message.complete"));
        got.forEach(f -> assertFalse(f.path("method").asText("").equals("approval"), "an old client is not sent a request: " + f));
        assertTrue(got.get(got.size() - 1).path("params").path("payload").path("text").asText().contains("Not approved"));
        assertTrue(agent.received().stream().anyMatch(r -> r.startsWith("response \"srq-")), agent.received().toString());
    }

    @Test
    void viewersAreToldWhenTheAgentIsParkedAndWhenItsOwnerIsBack() throws Exception {
        start(new ParkingPolicy(Duration.ofSeconds(30), 1000, 1 << 20));
        WsTestClient owner = connect("?token=" + OWNER);
        ownerWithSession(owner, true);
        String agentId = onlyAgentId(OWNER);
        WsTestClient viewer = connect("?share=" + mint(agentId, OWNER, "{}").path("token").asText());
        viewer.next();
        owner.close();
        until(viewer, f -> f.path("params").path("payload").path("hermes_front").path("event").asText("").equals("agent_parked"));
        HttpResponse<String> list = rest("GET", "/front/agents", OWNER, null);
        JsonNode a = json(list.body()).path("agents").get(0);
        assertTrue(a.path("parked").asBoolean(), list.body());
        assertEquals(2, a.path("clients").size(), list.body());
        WsTestClient back = connect("?token=" + OWNER);
        JsonNode hf = json(back.next()).path("params").path("payload").path("capabilities").path("hermes_front");
        assertTrue(hf.path("reattached").asBoolean(), hf.toString());
        assertEquals(agentId, hf.path("resume_id").asText());
        until(viewer, f -> f.path("params").path("payload").path("hermes_front").path("event").asText("").equals("agent_reattached"));
    }

    @Test
    void aViewerAloneNeverKeepsTheAgentAlive() throws Exception {
        start(ParkingPolicy.disabled());
        WsTestClient owner = connect("?token=" + OWNER);
        ownerWithSession(owner, true);
        String agentId = onlyAgentId(OWNER);
        WsTestClient viewer = connect("?share=" + mint(agentId, OWNER, "{}").path("token").asText());
        viewer.next();
        owner.close();
        until(viewer, f -> f.path("params").path("payload").path("hermes_front").path("event").asText("").equals("agent_stopped"));
        assertEquals(1001, viewer.closeCode());
        assertEquals("{\"agents\":[]}", rest("GET", "/front/agents", OWNER, null).body());
    }

    @Test
    void listsOnlyTheCallersAgentsAndAnAdminSeesAll() throws Exception {
        start(ParkingPolicy.defaults());
        WsTestClient a = connect("?token=" + OWNER);
        a.next();
        WsTestClient b = connect("?token=" + OTHER);
        b.next();
        assertEquals(1, json(rest("GET", "/front/agents", OWNER, null).body()).path("agents").size());
        JsonNode others = json(rest("GET", "/front/agents", OTHER, null).body()).path("agents");
        assertEquals("other", others.get(0).path("owner").asText());
        assertEquals(2, json(rest("GET", "/front/agents", ADMIN, null).body()).path("agents").size());
        assertEquals(401, rest("GET", "/front/agents", null, null).statusCode());
        String mine = onlyAgentId(OWNER);
        assertEquals(404, rest("POST", "/front/agents/" + mine + "/share", OTHER, "{}").statusCode(), "another owner's agent is not found");
        assertEquals(403, rest("POST", "/front/agents/" + mine + "/share", READ, "{}").statusCode(), "minting needs chat");
        assertEquals(201, rest("POST", "/front/agents/" + mine + "/share", ADMIN, "{\"role\": \"participant\"}").statusCode());
        for (String bad : List.of("{\"role\": \"admin\"}", "{\"ttl\": \"forever\"}", "{\"ttl\": \"1s\"}", "{\"ttl\": \"400d\"}", "[1]", "{")) {
            assertEquals(400, rest("POST", "/front/agents/" + mine + "/share", OWNER, bad).statusCode(), bad);
        }
        assertEquals(404, rest("DELETE", "/front/agents/" + mine + "/share/00", OWNER, null).statusCode());
    }

    @Test
    void aParticipantShareMayPromptButNotAnswerAnotherClientsRequest() throws Exception {
        start(ParkingPolicy.defaults());
        WsTestClient owner = connect("?token=" + OWNER);
        String[] s = ownerWithSession(owner, true);
        String agentId = onlyAgentId(OWNER);
        WsTestClient guest = connect("?share=" + mint(agentId, OWNER, "{\"role\": \"participant\"}").path("token").asText());
        guest.next();
        guest.send(call("g1", "session.resume", "{\"session_id\": \"" + s[1] + "\"}"));
        until(guest, id("g1"));
        guest.send(call("g2", "prompt.submit", "{\"session_id\": \"" + s[0] + "\", \"text\": \"hello\"}"));
        JsonNode r = until(guest, id("g2")).stream().reduce((x, y) -> y).orElseThrow();
        assertFalse(r.has("error"), r.toString());
        until(owner, type("message.complete"));
    }
}
