package dev.hermesfront.gateway.pairing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.Parsers;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.http.AccessHandler;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.routes.RouteTable;
import dev.hermesfront.gateway.routes.Routes;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Pairing and paired devices (docs/pairing.md):
 * <ul>
 *   <li>{@code POST /front/pair/codes} {@code {"scope", "name", "ttl"}} (a configured credential; the scope at most
 *       its own, default {@code chat} or less): a one-time code, the pairing URL {@code BASE/front/#pair=CODE} and its
 *       QR code as an SVG path. What {@code hermes-front pair} and the page's "Add a device" call.</li>
 *   <li>{@code POST /front/pair} {@code {"code", "name"}}, no credential: redeems the code (single use) for a device
 *       token, shown this once, with the {@code wss://} URL and the TUI line. A wrong, used or expired code counts
 *       towards the address's lockout as a wrong token does.</li>
 *   <li>{@code GET /front/devices}: the devices the caller paired (an admin: all): name, scope, pairer, created,
 *       last seen and from where; never tokens.</li>
 *   <li>{@code DELETE /front/devices/NAME} (its pairer or an admin): revokes it; its sockets close with 4403, its
 *       agents stop, its token is refused from then on.</li>
 * </ul>
 * Every step is audited. Handlers run on worker threads (they write the devices file).
 */
public final class PairingRoutes implements Routes {
    public static final String PAIR = "/front/pair";
    public static final String CODES = "/front/pair/codes";
    public static final String DEVICES = "/front/devices";
    private static final int MAX_BODY = 4096;

    private final DeviceBook book;
    private final Gate gate;
    private final ObjectMapper mapper;
    private final Supplier<URI> base;
    private final Consumer<String> revoked;
    private final HttpHandler redeem;
    private final HttpHandler codes;
    private final HttpHandler devices;

    /**
     * @param base    the front's public URL ({@code public_url}, else from the listen address), for pairing URLs
     * @param revoked called with a revoked device's name once it is out of the book: close its sockets, stop its agents
     */
    public PairingRoutes(DeviceBook book, Gate gate, boolean basicOffered, ObjectMapper mapper, Supplier<URI> base,
                         Consumer<String> revoked) {
        this.book = book;
        this.gate = gate;
        this.mapper = mapper;
        this.base = base;
        this.revoked = revoked;
        this.redeem = new BlockingHandler(this::redeem);
        this.codes = new BlockingHandler(new AccessHandler(gate, basicOffered, this::mint));
        this.devices = new BlockingHandler(new AccessHandler(gate, basicOffered, this::devices));
    }

    @Override
    public void register(RouteTable routes) {
        // Redeeming is public (the code is the credential; failures count towards the address's lockout).
        routes.exact(PAIR, RouteTable.Needs.PUBLIC, redeem);
        routes.exact(CODES, RouteTable.Needs.own(Scope.READ, "POST"), codes);
        routes.prefix(DEVICES, RouteTable.Needs.own(Scope.READ, "GET", "DELETE"), devices);
    }

    private JsonNode body(HttpServerExchange ex) throws IOException {
        try (InputStream in = ex.getInputStream()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                ErrorResponses.send(ex, 413, "too_large", "the request body is larger than " + MAX_BODY + " bytes");
                return null;
            }
            JsonNode n = b.length == 0 ? mapper.createObjectNode() : mapper.readTree(b);
            if (n == null || !n.isObject()) {
                ErrorResponses.send(ex, 400, "bad_request", "the body must be a JSON object");
                return null;
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            ErrorResponses.send(ex, 400, "bad_request", "the body is not JSON");
            return null;
        }
    }

    private static boolean method(HttpServerExchange ex, HttpString m) {
        if (ex.getRequestMethod().equals(m)) {
            return true;
        }
        ex.getResponseHeaders().put(Headers.ALLOW, m.toString());
        ErrorResponses.send(ex, 405, "method_not_allowed", "use " + m);
        return false;
    }

    private static String address(HttpServerExchange ex) {
        return ex.getSourceAddress().getAddress().getHostAddress();
    }

    private void mint(HttpServerExchange ex) throws IOException {
        if (!method(ex, Methods.POST)) {
            return;
        }
        Identity who = ex.getAttachment(AccessHandler.IDENTITY);
        JsonNode req = body(ex);
        if (req == null) {
            return;
        }
        Scope has = gate.effective(who).orElse(Scope.METRICS);
        Optional<Scope> cap = req.hasNonNull("scope") ? Scope.parse(req.get("scope").asText()) : Optional.of(has.covers(Scope.CHAT)
                ? Scope.CHAT : has);
        if (cap.isEmpty() || cap.get() == Scope.METRICS) {
            ErrorResponses.send(ex, 400, "bad_request", "scope must be read, chat or admin");
            return;
        }
        Duration ttl = DeviceBook.DEFAULT_TTL;
        if (req.hasNonNull("ttl")) {
            try {
                ttl = Parsers.parseDuration("ttl", req.get("ttl").asText());
            } catch (ConfigException e) {
                ErrorResponses.send(ex, 400, "bad_request", e.getMessage());
                return;
            }
        }
        String name = req.hasNonNull("name") ? req.get("name").asText() : null;
        DeviceBook.Minted m;
        try {
            m = book.mint(who, cap.get(), name, ttl);
        } catch (DeviceBook.PairingException e) {
            ErrorResponses.send(ex, e.status(), e.code(), e.getMessage());
            return;
        }
        String url = pairingUrl(ex, m.code());
        gate.audit().event("pair_code_minted").with("credential", who.name()).with("peer", address(ex)).with("scope", m.cap().label())
                .with("expires_at", m.expires().toString()).with("outcome", "allowed").write();
        PairingQr qr = PairingQr.of(url);
        ObjectNode root = mapper.createObjectNode();
        root.put("code", m.code()).put("url", url).put("scope", m.cap().label()).put("expires_at", m.expires().toString())
                .put("expires_in", Math.max(0, Duration.between(java.time.Instant.now(), m.expires()).toSeconds()));
        root.putObject("qr").put("size", qr.size()).put("path", qr.svgPath());
        json(ex, 201, root);
    }

    /** The pairing URL: {@code public_url}, else the Host this request came to when it is not loopback, else the listen address. */
    private String pairingUrl(HttpServerExchange ex, String code) {
        URI b = base.get();
        String host = ex.getHostName();
        boolean configured = b.getHost() != null && !b.getHost().equals("127.0.0.1") && !b.getHost().equals("localhost")
                && !b.getHost().equals("[::1]");
        String root;
        if (!configured && host != null && !host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("::1")) {
            root = ex.getRequestScheme() + "://" + ex.getHostAndPort();
        } else {
            root = b.toString().replaceAll("/+$", "");
        }
        return root + "/front/#pair=" + URLEncoder.encode(code, StandardCharsets.UTF_8);
    }

    private void redeem(HttpServerExchange ex) throws IOException {
        if (!method(ex, Methods.POST)) {
            return;
        }
        JsonNode req = body(ex);
        if (req == null) {
            return;
        }
        String code = req.path("code").asText("");
        String name = req.hasNonNull("name") ? req.get("name").asText() : null;
        DeviceBook.Paired p;
        try {
            p = book.redeem(code, name, address(ex));
        } catch (DeviceBook.PairingException e) {
            if (e.status() == 401) {
                gate.failed(address(ex), new Gate.Facts("rest", address(ex), "POST", PAIR, null));
            }
            gate.audit().event("pair_refused").with("peer", address(ex)).with("outcome", "denied").with("reason", e.getMessage()).write();
            ErrorResponses.send(ex, e.status(), e.code(), e.getMessage());
            return;
        }
        DeviceBook.Device d = p.device();
        gate.audit().event("device_paired").with("credential", "device:" + d.name()).with("pairer", d.pairerName())
                .with("scope", d.cap().label()).with("peer", address(ex)).with("outcome", "allowed").write();
        String ws = (ex.getRequestScheme().equals("https") ? "wss" : "ws") + "://" + ex.getHostAndPort() + "/api/ws?token=" + p.token();
        ObjectNode root = mapper.createObjectNode();
        root.put("device", d.name()).put("scope", d.cap().label()).put("pairer", d.pairerName()).put("token", p.token())
                .put("ws_url", ws).put("tui", "HERMES_TUI_GATEWAY_URL='" + ws + "' hermes --tui");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        json(ex, 201, root);
    }

    private void devices(HttpServerExchange ex) throws IOException {
        Identity who = ex.getAttachment(AccessHandler.IDENTITY);
        boolean admin = gate.effective(who).map(s -> s == Scope.ADMIN).orElse(false);
        String rest = ex.getRelativePath();
        if (rest.isEmpty() || rest.equals("/")) {
            if (!method(ex, Methods.GET)) {
                return;
            }
            ObjectNode root = mapper.createObjectNode();
            ArrayNode list = root.putArray("devices");
            for (DeviceBook.Device d : book.all()) {
                if (!admin && !book.pairedBy(d, who)) {
                    continue;
                }
                ObjectNode o = list.addObject();
                o.put("name", d.name()).put("scope", d.cap().label()).put("pairer", d.pairerName()).put("created", d.created().toString());
                if (d.lastSeen() != null) {
                    o.put("last_seen", d.lastSeen().toString());
                }
                if (d.lastAddress() != null) {
                    o.put("last_address", d.lastAddress());
                }
            }
            json(ex, 200, root);
            return;
        }
        String name = rest.substring(1);
        if (!DeviceBook.NAME.matcher(name).matches()) {
            ErrorResponses.send(ex, 404, "not_found", "no such device");
            return;
        }
        if (!method(ex, Methods.DELETE)) {
            return;
        }
        Optional<DeviceBook.Device> d = book.byName(name).filter(x -> admin || book.pairedBy(x, who));
        if (d.isEmpty()) {
            ErrorResponses.send(ex, 404, "not_found", "no such device");
            return;
        }
        book.revoke(name);
        gate.audit().event("device_revoked").with("credential", who.name()).with("device", name).with("peer", address(ex))
                .with("outcome", "revoked").write();
        revoked.accept(name);
        ex.setStatusCode(204);
        ex.endExchange();
    }

    private void json(HttpServerExchange ex, int status, JsonNode body) {
        ex.setStatusCode(status);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        ex.getResponseSender().send(body.toString());
    }
}
