package dev.hermesfront.gateway.routes;

import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.routes.RouteTable.Needs;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web page at {@code /front/} (sharing.md, "The page"): a fixed set of static files from the jar
 * ({@code dev/hermesfront/gateway/web/}), read once at startup and served from memory. {@code /front} redirects
 * to {@code /front/}, which is {@code index.html}; any other name under {@code /front/} that is not one of
 * the files (and not claimed by a longer route such as {@code /front/health} or {@code /front/agents}) is 404.
 *
 * <p>No credential is needed: the files are the same for everyone and hold no secret, and a browser cannot
 * attach a Bearer token to a navigation (asking for one would mean Basic prompts or cookies, which the front
 * does not use). Every call the page makes with data ({@code /front/agents}, {@code /api/auth/ws-ticket},
 * {@code /api/ws}) is authenticated as usual.
 *
 * <p>Headers: the page's own strict CSP ({@link #CSP}: scripts, styles and connections from the front only,
 * no inline code, no eval, Trusted Types with no policy, so no HTML sink can be fed strings), the usual
 * anti-framing and no-sniff headers, and {@code Cache-Control: no-cache} with a strong {@code ETag}: the
 * browser revalidates every file (a 304 costs one round trip) and never runs an old script after an upgrade.
 * GET and HEAD only.
 */
public final class PageRoutes implements Routes {
    /** Where the page lives. */
    public static final String PREFIX = "/front";
    /** The classpath folder the files are read from. */
    static final String RESOURCES = "dev/hermesfront/gateway/web/";
    /** The files of the page, by name under {@code /front/}. */
    static final List<String> FILES = List.of("index.html", "app.js", "api.js", "channel.js", "dom.js", "transcript.js", "pairing.js",
            "style.css", "icon.svg");
    /**
     * The page's Content-Security-Policy. {@code connect-src 'self'} covers the same-origin {@code ws:}/{@code wss:}
     * of {@code /api/ws} (CSP level 3); {@code form-action 'none'} keeps a form from ever putting the token in a URL.
     */
    public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
            + "require-trusted-types-for 'script'; trusted-types 'none'";
    private static final Map<HttpString, String> HEADERS = Map.of(
            new HttpString("Content-Security-Policy"), CSP,
            new HttpString("X-Content-Type-Options"), "nosniff",
            new HttpString("X-Frame-Options"), "DENY",
            new HttpString("Referrer-Policy"), "no-referrer",
            new HttpString("Cross-Origin-Opener-Policy"), "same-origin",
            new HttpString("Cross-Origin-Resource-Policy"), "same-origin",
            new HttpString("Permissions-Policy"), "camera=(), microphone=(), geolocation=()");

    private final Map<String, Asset> assets;
    private final HttpHandler handler = this::serve;

    /** One file, ready to send. */
    record Asset(byte[] body, String contentType, String etag) {}

    private PageRoutes(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /** Reads the page's files from the class path; throws when one is missing (a packaging bug). */
    public static PageRoutes fromClasspath() {
        Map<String, Asset> assets = new LinkedHashMap<>();
        ClassLoader loader = PageRoutes.class.getClassLoader();
        for (String name : FILES) {
            try (InputStream in = loader.getResourceAsStream(RESOURCES + name)) {
                if (in == null) {
                    throw new IllegalStateException("the page's file " + RESOURCES + name + " is missing from the jar");
                }
                byte[] body = in.readAllBytes();
                assets.put(name, new Asset(body, contentType(name), etag(body)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new PageRoutes(Map.copyOf(assets));
    }

    @Override
    public void register(RouteTable routes) {
        routes.prefix(PREFIX, Needs.PUBLIC, handler);
    }

    private void serve(HttpServerExchange ex) {
        String path = ex.getRequestPath();
        if (path.equals(PREFIX)) {
            ex.setStatusCode(308);
            ex.getResponseHeaders().put(Headers.LOCATION, PREFIX + "/");
            ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
            ex.endExchange();
            return;
        }
        String name = path.substring(PREFIX.length() + 1);
        Asset asset = assets.get(name.isEmpty() ? "index.html" : name);
        if (asset == null) {
            ErrorResponses.send(ex, 404, "not_found", "no such page: the page is " + PREFIX + "/");
            return;
        }
        boolean head = ex.getRequestMethod().equals(Methods.HEAD);
        if (!head && !ex.getRequestMethod().equals(Methods.GET)) {
            ex.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
            ErrorResponses.send(ex, 405, "method_not_allowed", "use GET");
            return;
        }
        HEADERS.forEach((k, v) -> ex.getResponseHeaders().put(k, v));
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        ex.getResponseHeaders().put(Headers.ETAG, asset.etag());
        if (matches(ex.getRequestHeaders().get(Headers.IF_NONE_MATCH), asset.etag())) {
            ex.setStatusCode(304);
            ex.endExchange();
            return;
        }
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, asset.contentType());
        ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, asset.body().length);
        if (head) {
            ex.endExchange();
            return;
        }
        ex.getResponseSender().send(ByteBuffer.wrap(asset.body()));
    }

    /** If-None-Match: a list of entity tags, weak or strong, or {@code *} (RFC 9110 §13.1.2, weak comparison). */
    private static boolean matches(Iterable<String> ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String header : ifNoneMatch) {
            for (String tag : header.split(",")) {
                String t = tag.strip();
                if (t.startsWith("W/")) {
                    t = t.substring(2);
                }
                if (t.equals("*") || t.equals(etag)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            default -> throw new IllegalStateException("no content type for " + name);
        };
    }

    private static String etag(byte[] body) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(d).substring(0, 22) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
