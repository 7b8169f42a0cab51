package dev.hermesfront.gateway.agents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.bridge.hub.AgentHub;
import dev.hermesfront.bridge.hub.AgentRegistry;
import dev.hermesfront.bridge.hub.Role;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.routes.RouteTable;
import dev.hermesfront.gateway.routes.Routes;
import dev.hermesfront.gateway.ws.CloseCodes;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The front's own REST for agents and share links (docs/sharing.md), behind the one access check
 * ({@link AccessHandler}: a credential, never a share token; the scope the {@code rest} table names):
 * <ul>
 *   <li>{@code GET /front/agents}: the agents the caller may see (its own; an admin sees all): id, owner,
 *       route, parked or not, sessions, attached clients with their roles, live share links (ids, never tokens);</li>
 *   <li>{@code POST /front/agents/{id}/share} with {@code {"role": "viewer"|"participant", "ttl": "1h"}} (owner or
 *       admin): mints a link, answered 201 with {@code {"id", "token", "url", "role", "expires_at"}}; the token is
 *       shown this once;</li>
 *   <li>{@code DELETE /front/agents/{id}/share/{share-id}} (owner or admin): revokes it (204) and closes its
 *       clients with 4403.</li>
 * </ul>
 * An agent the caller may not see answers 404, as one that does not exist. Minting, revoking (and, on
 * /api/ws, using) a link are audited.
 */
public final class AgentRoutes implements Routes {
    /** The prefix of these routes. */
    public static final String PATH = "/front/agents";
    private static final Pattern SHARE = Pattern.compile("^/([0-9a-f]{1,64})/share/?$");
    private static final Pattern SHARE_ID = Pattern.compile("^/([0-9a-f]{1,64})/share/([0-9a-f]{1,64})/?$");
    private static final Pattern TTL = Pattern.compile("^(\\d{1,9})([smhd]?)$");
    private static final int MAX_BODY = 4096;

    private final AgentRegistry agents;
    private final ShareBook shares;
    private final HubSettings settings;
    private final ObjectMapper mapper;
    private final Gate gate;
    private final HttpHandler handler;

    public AgentRoutes(AgentRegistry agents, ShareBook shares, HubSettings settings, ObjectMapper mapper, Gate gate, boolean basicOffered) {
        this.agents = agents;
        this.shares = shares;
        this.settings = settings;
        this.mapper = mapper;
        this.gate = gate;
        this.handler = new AccessHandler(gate, basicOffered, this::handle);
    }

    @Override
    public void register(RouteTable routes) {
        routes.prefix(PATH, RouteTable.Needs.own(Scope.READ, "GET").and(Scope.CHAT, "POST", "DELETE"), handler);
    }

    private void handle(HttpServerExchange ex) {
        Identity who = ex.getAttachment(AccessHandler.IDENTITY);
        String rest = ex.getRelativePath();
        if (rest.isEmpty() || rest.equals("/")) {
            if (!ex.getRequestMethod().equals(Methods.GET)) {
                notAllowed(ex, "GET");
                return;
            }
            list(ex, who);
            return;
        }
        Matcher share = SHARE.matcher(rest);
        if (share.matches()) {
            if (!ex.getRequestMethod().equals(Methods.POST)) {
                notAllowed(ex, "POST");
                return;
            }
            ex.getRequestReceiver().receiveFullBytes((e, body) -> mint(e, who, share.group(1), body),
                    (e, err) -> ErrorResponses.send(e, 400, "bad_request", "could not read the request body"));
            return;
        }
        Matcher one = SHARE_ID.matcher(rest);
        if (one.matches()) {
            if (!ex.getRequestMethod().equals(Methods.DELETE)) {
                notAllowed(ex, "DELETE");
                return;
            }
            revoke(ex, who, one.group(1), one.group(2));
            return;
        }
        ErrorResponses.send(ex, 404, "not_found", "no such route");
    }

    private static void notAllowed(HttpServerExchange ex, String allow) {
        ex.getResponseHeaders().put(Headers.ALLOW, allow);
        ErrorResponses.send(ex, 405, "method_not_allowed", "use " + allow);
    }

    /** Returns the agent if {@code who} may see it: its owner, or an admin. */
    private Optional<AgentHub> visible(Identity who, String id) {
        return agents.find(id).filter(h -> mayManage(who, h));
    }

    private static boolean mayManage(Identity who, AgentHub hub) {
        return who.scope() == Scope.ADMIN || hub.owner().source().equals(who.grant().owner().key());
    }

    private void list(HttpServerExchange ex, Identity who) {
        ObjectNode root = mapper.createObjectNode();
        ArrayNode list = root.putArray("agents");
        List<AgentHub> all = agents.all();
        all.sort((a, b) -> a.id().compareTo(b.id()));
        for (AgentHub hub : all) {
            if (!mayManage(who, hub)) {
                continue;
            }
            AgentHub.Snapshot s = hub.snapshot();
            if (s.ended()) {
                continue;
            }
            ObjectNode a = list.addObject();
            a.put("id", s.id()).put("owner", s.owner().credential());
            String principal = s.owner().principal();
            int at = principal.indexOf("@peer:");
            a.put("route", at < 0 ? "local" : "peer:" + principal.substring(at + 6));
            a.put("parked", s.parked()).put("started_at", Instant.ofEpochMilli(s.started()).toString());
            ArrayNode ss = a.putArray("sessions");
            for (AgentHub.Snapshot.Session x : s.sessions()) {
                ObjectNode o = ss.addObject().put("session_id", x.sessionId());
                if (x.storedSessionId() != null) {
                    o.put("stored_session_id", x.storedSessionId());
                }
            }
            ArrayNode cs = a.putArray("clients");
            for (AgentHub.Snapshot.Client c : s.clients()) {
                cs.addObject().put("name", c.name()).put("role", c.role()).put("parked", c.parked());
            }
            ArrayNode sh = a.putArray("shares");
            for (ShareBook.Share x : shares.forAgent(s.id())) {
                sh.addObject().put("id", x.id()).put("role", x.role().label()).put("expires_at", x.expires().toString());
            }
        }
        json(ex, 200, root);
    }

    private void mint(HttpServerExchange ex, Identity who, String id, byte[] body) {
        Optional<AgentHub> hub = visible(who, id);
        if (hub.isEmpty()) {
            ErrorResponses.send(ex, 404, "not_found", "no such agent");
            return;
        }
        if (body.length > MAX_BODY) {
            ErrorResponses.send(ex, 413, "too_large", "the request body is larger than " + MAX_BODY + " bytes");
            return;
        }
        JsonNode req;
        try {
            req = body.length == 0 ? mapper.createObjectNode() : mapper.readTree(body);
        } catch (IOException e) {
            ErrorResponses.send(ex, 400, "bad_request", "the body is not JSON");
            return;
        }
        if (req == null || !req.isObject()) {
            ErrorResponses.send(ex, 400, "bad_request", "the body must be a JSON object");
            return;
        }
        String roleText = req.path("role").asText("viewer");
        Role role = switch (roleText) {
            case "viewer" -> Role.VIEWER;
            case "participant" -> Role.PARTICIPANT;
            default -> null;
        };
        if (role == null || (req.has("role") && !req.get("role").isTextual())) {
            ErrorResponses.send(ex, 400, "bad_request", "role must be \"viewer\" or \"participant\"");
            return;
        }
        Duration ttl;
        try {
            ttl = req.has("ttl") ? parseTtl(req.get("ttl")) : settings.shareDefaultTtl();
        } catch (IllegalArgumentException e) {
            ErrorResponses.send(ex, 400, "bad_request", e.getMessage());
            return;
        }
        if (ttl.compareTo(Duration.ofSeconds(10)) < 0 || ttl.compareTo(settings.shareMaxTtl()) > 0) {
            ErrorResponses.send(ex, 400, "bad_request", "ttl must be between 10s and " + settings.shareMaxTtl().toSeconds() + "s");
            return;
        }
        ShareBook.Minted m;
        try {
            m = shares.mint(id, who, role, ttl);
        } catch (ShareBook.FullException e) {
            ErrorResponses.send(ex, 429, "too_many_shares", e.getMessage());
            return;
        }
        gate.audit().event("share_minted").with("credential", who.name()).with("agent", id).with("share", m.share().id())
                .with("role", m.share().role().label()).with("expires_at", m.share().expires().toString())
                .with("peer", ex.getSourceAddress().getAddress().getHostAddress()).with("outcome", "allowed").write();
        ObjectNode out = mapper.createObjectNode();
        out.put("id", m.share().id()).put("token", m.token()).put("url", url(ex, m.token())).put("role", m.share().role().label())
                .put("expires_at", m.share().expires().toString());
        json(ex, 201, out);
    }

    /** The {@code /api/ws} URL a share link opens, on the host and scheme the caller used. */
    private static String url(HttpServerExchange ex, String token) {
        String scheme = "https".equalsIgnoreCase(ex.getRequestScheme()) ? "wss" : "ws";
        return scheme + "://" + ex.getHostAndPort() + "/api/ws?share=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    /** Parses {@code "30s"}, {@code "10m"}, {@code "1h"}, {@code "2d"}, a number of seconds, or ISO-8601 ({@code "PT1H"}). */
    static Duration parseTtl(JsonNode v) {
        if (v.isIntegralNumber()) {
            return Duration.ofSeconds(v.asLong());
        }
        String t = v.asText("").strip().toLowerCase(Locale.ROOT);
        Matcher m = TTL.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofSeconds(n);
            };
        }
        try {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("ttl must look like 30s, 10m, 1h, 2d or PT1H");
        }
    }

    private void revoke(HttpServerExchange ex, Identity who, String id, String shareId) {
        Optional<AgentHub> hub = visible(who, id);
        if (hub.isEmpty()) {
            ErrorResponses.send(ex, 404, "not_found", "no such agent");
            return;
        }
        // Any link of this agent that still has clients is revoked, live or not (an expired link's clients are
        // closed by the expiry sweep, but a DELETE must never 404 while they are attached); a dead link is gone already.
        Optional<ShareBook.Share> gone = shares.revoke(id, shareId);
        int closed = hub.get().closeShare(shareId, CloseCodes.FORBIDDEN, "share link revoked");
        if (gone.isEmpty() && closed == 0 && !shares.died(id, shareId)) {
            ErrorResponses.send(ex, 404, "not_found", "no such share link");
            return;
        }
        gate.audit().event("share_revoked").with("credential", who.name()).with("agent", id).with("share", shareId)
                .with("clients_closed", closed).with("was_live", gone.isPresent())
                .with("peer", ex.getSourceAddress().getAddress().getHostAddress()).with("outcome", "allowed")
                .write();
        ex.setStatusCode(204);
        ex.endExchange();
    }

    private void json(HttpServerExchange ex, int status, JsonNode body) {
        String text;
        try {
            text = mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            ErrorResponses.send(ex, 500, "internal", "could not write the answer");
            return;
        }
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(text);
    }
}
