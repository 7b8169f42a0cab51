package dev.hermesfront.gateway.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A small W3C WebDriver client (plain HTTP + JSON to chromedriver with the JDK HttpClient): one browser
 * session, the handful of commands the page's tests need. No library: Selenium would bring ~10 MB of jars
 * for six endpoints. Waits happen in the browser ({@link #await}: a MutationObserver that resolves when a
 * condition holds), bounded by the session's script timeout (30 s), never by sleeping here.
 */
final class WebDriver implements AutoCloseable {
    /** The W3C element reference key. */
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final URI base;
    private final String session;

    private WebDriver(HttpClient http, URI base, String session) {
        this.http = http;
        this.base = base;
        this.session = session;
    }

    /** Starts a browser session at chromedriver {@code base} with these Chromium arguments. */
    static WebDriver start(HttpClient http, URI base, String binary, List<String> args) throws IOException, InterruptedException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode caps = m.createObjectNode();
        ObjectNode always = caps.putObject("capabilities").putObject("alwaysMatch");
        always.put("browserName", "chrome");
        always.put("pageLoadStrategy", "normal");
        ObjectNode opts = always.putObject("goog:chromeOptions");
        opts.put("binary", binary);
        ArrayNode a = opts.putArray("args");
        args.forEach(a::add);
        always.putObject("goog:loggingPrefs").put("browser", "ALL");
        JsonNode r = call(http, m, "POST", base.resolve("/session"), caps);
        String id = r.path("sessionId").asText();
        if (id.isEmpty()) {
            throw new IOException("chromedriver started no session: " + r);
        }
        WebDriver d = new WebDriver(http, base, id);
        ObjectNode t = m.createObjectNode().put("script", 30_000).put("pageLoad", 30_000).put("implicit", 0);
        d.post("/timeouts", t);
        return d;
    }

    private static JsonNode call(HttpClient http, ObjectMapper m, String method, URI uri, JsonNode body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(CALL_TIMEOUT).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(m.writeValueAsString(body)));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode value = m.readTree(r.body()).path("value");
        if (r.statusCode() != 200) {
            throw new IOException("WebDriver " + method + " " + uri.getPath() + ": " + r.statusCode() + " "
                    + value.path("error").asText() + ": " + value.path("message").asText());
        }
        return value;
    }

    private JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
        return call(http, json, "POST", base.resolve("/session/" + session + path), body == null ? json.createObjectNode() : body);
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return call(http, json, "GET", base.resolve("/session/" + session + path), null);
    }

    /** Loads {@code url} and waits for the page's load event. */
    void open(String url) throws IOException, InterruptedException {
        post("/url", json.createObjectNode().put("url", url));
    }

    /** Returns the element reference of the first match of {@code css}. */
    String find(String css) throws IOException, InterruptedException {
        JsonNode v = post("/element", json.createObjectNode().put("using", "css selector").put("value", css));
        if (!v.path(ELEMENT).isTextual()) {
            throw new IOException("no element reference for " + css + ": " + v);
        }
        return v.path(ELEMENT).asText();
    }

    /** Types {@code text} into the element matching {@code css}. */
    void type(String css, String text) throws IOException, InterruptedException {
        post("/element/" + find(css) + "/value", json.createObjectNode().put("text", text));
    }

    /** Clicks the element matching {@code css} (it must be visible). */
    void click(String css) throws IOException, InterruptedException {
        post("/element/" + find(css) + "/click", null);
    }

    /** Runs {@code script} (a function body; {@code arguments} are {@code args}) and returns its value. */
    JsonNode script(String script, Object... args) throws IOException, InterruptedException {
        ObjectNode body = json.createObjectNode().put("script", script);
        ArrayNode a = body.putArray("args");
        for (Object o : args) {
            a.add(json.valueToTree(o));
        }
        return post("/execute/sync", body);
    }

    /**
     * Waits in the browser until {@code condition} (a JS expression) is truthy, re-checking on every DOM change,
     * and returns its value; fails after the script timeout (30 s) with {@code what}.
     */
    JsonNode await(String condition, String what) throws IOException, InterruptedException {
        String js = "const done = arguments[arguments.length - 1];"
                + "const check = () => { try { return (" + condition + "); } catch (e) { return null; } };"
                + "let v = check(); if (v) { done(v); return; }"
                + "const o = new MutationObserver(() => { const x = check(); if (x) { o.disconnect(); done(x); } });"
                + "o.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});";
        ObjectNode body = json.createObjectNode().put("script", js);
        body.putArray("args");
        try {
            return post("/execute/async", body);
        } catch (IOException e) {
            throw new AssertionError("timed out waiting for " + what + " (" + condition + ")", e);
        }
    }

    /** Returns the text of the first match of {@code css}, or null when none matches. */
    String text(String css) throws IOException, InterruptedException {
        JsonNode v = script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
        return v.isNull() ? null : v.asText();
    }

    /** Returns true when the first match of {@code css} is rendered (not hidden, has a box). */
    boolean visible(String css) throws IOException, InterruptedException {
        return script("const e = document.querySelector(arguments[0]); return !!e && e.getClientRects().length > 0 "
                + "&& getComputedStyle(e).visibility !== 'hidden';", css).asBoolean();
    }

    /** Sets the window's outer size. */
    void size(int width, int height) throws IOException, InterruptedException {
        post("/window/rect", json.createObjectNode().put("width", width).put("height", height));
    }

    /** Opens a new tab and switches to it; returns the previous tab's handle. */
    String newTab() throws IOException, InterruptedException {
        String previous = get("/window").asText();
        String handle = post("/window/new", json.createObjectNode().put("type", "tab")).path("handle").asText();
        post("/window", json.createObjectNode().put("handle", handle));
        return previous;
    }

    /** Switches to the tab {@code handle}; returns the one left. */
    String switchTo(String handle) throws IOException, InterruptedException {
        String previous = get("/window").asText();
        post("/window", json.createObjectNode().put("handle", handle));
        return previous;
    }

    /** Closes every tab but the first one and switches to it. */
    void closeOtherTabs() throws IOException, InterruptedException {
        List<String> handles = new ArrayList<>();
        get("/window/handles").forEach(h -> handles.add(h.asText()));
        for (String h : handles.subList(1, handles.size())) {
            post("/window", json.createObjectNode().put("handle", h));
            call(http, json, "DELETE", base.resolve("/session/" + session + "/window"), null);
        }
        post("/window", json.createObjectNode().put("handle", handles.get(0)));
    }

    /** Saves a PNG screenshot of the viewport to {@code file}. */
    void screenshot(Path file) throws IOException, InterruptedException {
        byte[] png = Base64.getDecoder().decode(get("/screenshot").asText());
        Files.createDirectories(file.getParent());
        Files.write(file, png);
    }

    /** Returns and clears the browser's console log entries ("LEVEL message"). */
    List<String> consoleLog() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (JsonNode e : post("/se/log", json.createObjectNode().put("type", "browser"))) {
            out.add(e.path("level").asText() + " " + e.path("message").asText());
        }
        return out;
    }

    @Override
    public void close() {
        try {
            call(http, json, "DELETE", base.resolve("/session/" + session), null);
        } catch (IOException e) {
            // The browser is gone already; the driver's process is stopped by its owner.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
