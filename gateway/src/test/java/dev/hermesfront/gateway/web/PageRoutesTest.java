package dev.hermesfront.gateway.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.routes.PageRoutes;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The page's static files at /front/: content types, security and cache headers, 304s, methods, no credential. */
class PageRoutesTest {
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8", "app.js", "text/javascript; charset=utf-8",
            "api.js", "text/javascript; charset=utf-8", "channel.js", "text/javascript; charset=utf-8",
            "dom.js", "text/javascript; charset=utf-8", "transcript.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8", "icon.svg", "image/svg+xml");
    private FrontFixture front;

    @BeforeEach
    void start() throws Exception {
        front = new FrontFixture(FrontFixture.baseConfig());
    }

    @AfterEach
    void stop() {
        front.close();
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = PageRoutes.class.getClassLoader().getResourceAsStream("dev/hermesfront/gateway/web/" + name)) {
            return in.readAllBytes();
        }
    }

    private HttpResponse<byte[]> fetch(HttpRequest.Builder b) throws Exception {
        return front.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesEveryFileWithoutACredentialWithItsTypeAndTheSecurityHeaders() throws Exception {
        for (Map.Entry<String, String> f : TYPES.entrySet()) {
            HttpResponse<byte[]> r = fetch(front.request("/front/" + f.getKey()).GET());
            assertEquals(200, r.statusCode(), f.getKey());
            assertEquals(f.getValue(), r.headers().firstValue("Content-Type").orElse(""), f.getKey());
            assertArrayEquals(resource(f.getKey()), r.body(), f.getKey());
            assertEquals(PageRoutes.CSP, r.headers().firstValue("Content-Security-Policy").orElse(""), f.getKey());
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
            assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""));
            assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(""));
            assertEquals("no-cache", r.headers().firstValue("Cache-Control").orElse(""));
            assertTrue(r.headers().firstValue("ETag").orElse("").matches("\"[A-Za-z0-9_-]{22}\""), f.getKey());
        }
        HttpResponse<byte[]> index = fetch(front.request("/front/").GET());
        assertEquals(200, index.statusCode());
        assertArrayEquals(resource("index.html"), index.body(), "/front/ is index.html");
    }

    @Test
    void theCspAllowsNothingInlineAndOnlyThisOrigin() {
        String csp = PageRoutes.CSP;
        assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval") || csp.contains("*") || csp.contains("data:"), csp);
        for (String d : List.of("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                "frame-ancestors 'none'", "form-action 'none'", "require-trusted-types-for 'script'")) {
            assertTrue(csp.contains(d), d);
        }
    }

    @Test
    void thePageHasNoInlineCodeAndWritesNoHtml() throws Exception {
        String html = new String(resource("index.html"), StandardCharsets.UTF_8);
        assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE).matcher(html).find(), "inline script");
        assertFalse(Pattern.compile("\\sstyle\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find(), "style attribute");
        assertFalse(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find(), "event handler attribute");
        assertFalse(html.toLowerCase().contains("<style"), "style element");
        for (String js : List.of("app.js", "api.js", "channel.js", "dom.js", "transcript.js")) {
            String code = new String(resource(js), StandardCharsets.UTF_8);
            for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                    "setAttribute('style'", "localStorage", "console.log")) {
                assertFalse(code.contains(sink), js + " uses " + sink);
            }
        }
    }

    @Test
    void revalidatesWithTheEtag() throws Exception {
        HttpResponse<byte[]> first = fetch(front.request("/front/app.js").GET());
        String etag = first.headers().firstValue("ETag").orElseThrow();
        for (String tag : List.of(etag, "W/" + etag, "\"other\", " + etag, "*")) {
            HttpResponse<byte[]> again = fetch(front.request("/front/app.js").header("If-None-Match", tag).GET());
            assertEquals(304, again.statusCode(), tag);
            assertEquals(0, again.body().length);
            assertEquals(etag, again.headers().firstValue("ETag").orElse(""));
        }
        assertEquals(200, fetch(front.request("/front/app.js").header("If-None-Match", "\"stale\"").GET()).statusCode());
        assertNotEquals(etag, fetch(front.request("/front/style.css").GET()).headers().firstValue("ETag").orElse(""),
                "each file has its own tag");
    }

    @Test
    void headHasTheHeadersAndNoBodyAndOtherMethodsAreRefused() throws Exception {
        HttpResponse<byte[]> head = fetch(front.request("/front/").method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        assertEquals(String.valueOf(resource("index.html").length), head.headers().firstValue("Content-Length").orElse(""));
        for (String m : List.of("POST", "PUT", "DELETE")) {
            HttpResponse<byte[]> r = fetch(front.request("/front/").method(m, HttpRequest.BodyPublishers.ofString("x")));
            assertEquals(405, r.statusCode(), m);
            assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""));
        }
    }

    @Test
    void redirectsTheBarePathAndAnswers404ForAnythingElse() throws Exception {
        HttpResponse<byte[]> bare = fetch(front.request("/front").GET());
        assertEquals(308, bare.statusCode());
        assertEquals("/front/", bare.headers().firstValue("Location").orElse(""));
        for (String p : List.of("/front/nope.js", "/front/index.html/", "/front/app.js.map", "/front/web/app.js",
                "/front/dev/hermesfront/gateway/web/app.js", "/front/PageRoutes.class", "/frontapp.js", "/front-x/")) {
            HttpResponse<String> r = front.get(p);
            assertEquals(404, r.statusCode(), p);
            assertTrue(r.body().contains("\"not_found\""), p);
            assertFalse(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), p);
        }
        assertEquals(400, front.get("/front/%2e%2e/api/ws").statusCode(), "escaped dots are refused before routing");
    }

    @Test
    void theFrontsOwnRoutesUnderFrontStillAnswer() throws Exception {
        HttpResponse<String> health = front.get("/front/health");
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("hermes-front"));
    }
}
