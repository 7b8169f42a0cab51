package dev.hermesfront.gateway.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One pass over every route family of the Hermes API server, as a client would make it: health, models,
 * capabilities, chat completions (JSON, SSE, {@code X-Hermes-Session-Id} continuation,
 * {@code Idempotency-Key}), responses (JSON, SSE, get, delete), runs (start, events SSE, status, stop),
 * jobs, sessions (create, get, patch, messages, chat, chat stream, fork, delete), a wrong method, and the
 * route families this fork's API server does not have ({@code /p/<profile>/...}, {@code /v1/room-members/*}).
 * Ids returned by one step are used by the next, so the same pass runs against the real server, the
 * front in front of it, and the stand-in replaying a recording. Each body is read chunk by chunk with
 * the arrival time of each chunk.
 */
public final class ApiScenarios {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One request and what came back. Header names are lower case. */
    public record Exchange(String name, String method, String path, Map<String, String> requestHeaders, String requestBody,
                           int status, Map<String, List<String>> responseHeaders, List<String> chunks, List<Long> chunkNanos,
                           long sentNanos) {
        public String body() {
            return String.join("", chunks);
        }

        public String header(String name) {
            List<String> v = responseHeaders.get(name.toLowerCase());
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        public boolean streamed() {
            String t = header("content-type");
            return t != null && t.startsWith("text/event-stream");
        }

        /** Milliseconds from sending the request to the first body chunk, or -1 without a body. */
        public double firstChunkMs() {
            return chunkNanos.isEmpty() ? -1 : (chunkNanos.get(0) - sentNanos) / 1e6;
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body());
            } catch (IOException e) {
                throw new AssertionError(name + ": not JSON: " + body(), e);
            }
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String authorization;
    private final String tag;
    private final List<Exchange> done = new ArrayList<>();

    /**
     * @param base          the server to ask
     * @param authorization the {@code Authorization} value to send on protected routes
     * @param tag           makes the {@code Idempotency-Key} of this pass unique
     */
    public ApiScenarios(URI base, String authorization, String tag) {
        this.base = base;
        this.authorization = authorization;
        this.tag = tag;
    }

    /** Runs the whole pass and returns every exchange in order. */
    public List<Exchange> run() throws IOException, InterruptedException {
        get("health", "/health", false);
        get("v1 health", "/v1/health", false);
        get("health detailed", "/health/detailed", true);
        get("models without key", "/v1/models", false);
        get("models", "/v1/models", true);
        get("capabilities", "/v1/capabilities", true);

        Exchange chat = post("chat completion", "/v1/chat/completions",
                "{\"model\":\"hermes-agent\",\"messages\":[{\"role\":\"user\",\"content\":\"alpha beta gamma\"}]}", Map.of());
        String sessionHeader = chat.header("x-hermes-session-id");
        post("chat completion continued", "/v1/chat/completions",
                "{\"model\":\"hermes-agent\",\"messages\":[{\"role\":\"user\",\"content\":\"delta epsilon\"}]}",
                sessionHeader == null ? Map.of() : Map.of("X-Hermes-Session-Id", sessionHeader));
        post("chat completion stream", "/v1/chat/completions",
                "{\"model\":\"hermes-agent\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"one two three four five six seven eight nine ten\"}]}", Map.of());
        String idem = "front-test-" + tag;
        String idemBody = "{\"model\":\"hermes-agent\",\"messages\":[{\"role\":\"user\",\"content\":\"idempotent zeta\"}]}";
        post("chat completion idempotent 1", "/v1/chat/completions", idemBody, Map.of("Idempotency-Key", idem));
        post("chat completion idempotent 2", "/v1/chat/completions", idemBody, Map.of("Idempotency-Key", idem));

        Exchange resp = post("response", "/v1/responses", "{\"model\":\"hermes-agent\",\"input\":\"eta theta\"}", Map.of());
        String responseId = text(resp, "id");
        get("response get", "/v1/responses/" + responseId, true);
        post("response stream", "/v1/responses", "{\"model\":\"hermes-agent\",\"input\":\"iota kappa\",\"stream\":true}", Map.of());
        send("response delete", "DELETE", "/v1/responses/" + responseId, null, Map.of(), true);
        get("response unknown", "/v1/responses/resp_nope", true);

        Exchange run = post("run start", "/v1/runs", "{\"input\":\"lambda mu\"}", Map.of());
        String runId = text(run, "run_id");
        get("run events", "/v1/runs/" + runId + "/events", true);
        get("run status", "/v1/runs/" + runId, true);
        post("run stop", "/v1/runs/" + runId + "/stop", "{}", Map.of());
        post("run approval", "/v1/runs/" + runId + "/approval", "{\"choice\":\"once\"}", Map.of());

        get("jobs", "/api/jobs", true);
        Exchange job = post("job create", "/api/jobs", "{\"name\":\"front test\",\"schedule\":\"every 1h\",\"prompt\":\"hello\"}", Map.of());
        String jobId = job.status() == 200 ? job.json().path("job").path("id").asText("000000000000") : "000000000000";
        get("job get", "/api/jobs/" + jobId, true);
        send("job patch", "PATCH", "/api/jobs/" + jobId, "{\"name\":\"front test renamed\"}", Map.of(), true);
        post("job pause", "/api/jobs/" + jobId + "/pause", "{}", Map.of());
        post("job resume", "/api/jobs/" + jobId + "/resume", "{}", Map.of());
        send("job delete", "DELETE", "/api/jobs/" + jobId, null, Map.of(), true);
        get("job invalid id", "/api/jobs/not-a-valid-id", true);

        get("sessions", "/api/sessions?limit=2", true);
        Exchange session = post("session create", "/api/sessions", "{\"title\":\"front test\"}", Map.of());
        String sessionId = session.json().path("session").path("id").asText("missing");
        get("session get", "/api/sessions/" + sessionId, true);
        send("session patch", "PATCH", "/api/sessions/" + sessionId, "{\"title\":\"front test renamed\"}", Map.of(), true);
        post("session chat", "/api/sessions/" + sessionId + "/chat", "{\"message\":\"nu xi\"}", Map.of());
        post("session chat stream", "/api/sessions/" + sessionId + "/chat/stream", "{\"message\":\"omicron pi\"}", Map.of());
        get("session messages", "/api/sessions/" + sessionId + "/messages", true);
        Exchange fork = post("session fork", "/api/sessions/" + sessionId + "/fork", "{}", Map.of());
        String forkId = fork.status() == 201 ? fork.json().path("session").path("id").asText() : null;
        if (forkId != null) {
            send("session fork delete", "DELETE", "/api/sessions/" + forkId, null, Map.of(), true);
        }
        send("session delete", "DELETE", "/api/sessions/" + sessionId, null, Map.of(), true);

        send("models wrong method", "DELETE", "/v1/models", null, Map.of(), true);
        get("profile route", "/p/default/v1/models", true);
        get("room members", "/v1/room-members/room-1", true);
        return List.copyOf(done);
    }

    private static String text(Exchange e, String field) {
        String v = e.json().path(field).asText(null);
        if (v == null) {
            throw new AssertionError(e.name() + ": no " + field + " in " + e.body());
        }
        return v;
    }

    private Exchange get(String name, String path, boolean auth) throws IOException, InterruptedException {
        return send(name, "GET", path, null, Map.of(), auth);
    }

    private Exchange post(String name, String path, String body, Map<String, String> headers) throws IOException, InterruptedException {
        return send(name, "POST", path, body, headers, true);
    }

    private Exchange send(String name, String method, String path, String body, Map<String, String> headers, boolean auth)
            throws IOException, InterruptedException {
        Map<String, String> sent = new TreeMap<>();
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120));
        if (auth) {
            b.header("Authorization", authorization);
            sent.put("authorization", authorization);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
            sent.put("content-type", "application/json");
        }
        headers.forEach((k, v) -> {
            b.header(k, v);
            sent.put(k.toLowerCase(), v);
        });
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        List<String> chunks = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        try (InputStream in = r.body()) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) != -1; ) {
                if (n > 0) {
                    times.add(System.nanoTime());
                    chunks.add(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            }
        }
        Map<String, List<String>> h = new LinkedHashMap<>();
        r.headers().map().forEach((k, v) -> h.put(k.toLowerCase(), List.copyOf(v)));
        Exchange e = new Exchange(name, method, path, sent, body, r.statusCode(), h, chunks, times, t0);
        done.add(e);
        return e;
    }

    /**
     * Returns the structure of a JSON body: object keys, recursively; arrays and scalars opaque. Two
     * answers of the same kind have the same shape whatever their data.
     */
    public static String shape(String body) {
        try {
            return shape(JSON.readTree(body));
        } catch (IOException e) {
            return "text";
        }
    }

    private static String shape(JsonNode n) {
        if (n.isObject()) {
            StringBuilder b = new StringBuilder("{");
            TreeSet<String> keys = new TreeSet<>();
            n.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                b.append(k).append(':').append(shape(n.get(k))).append(',');
            }
            return b.append('}').toString();
        }
        return n.isArray() ? "[]" : "v";
    }

    /** Returns the kinds of events in an SSE body (event names, or the payload's type/object/event), in first-seen order. */
    public static List<String> eventKinds(String body) {
        List<String> kinds = new ArrayList<>();
        for (String line : body.split("\n")) {
            String kind = null;
            if (line.startsWith("event: ")) {
                kind = "event:" + line.substring(7).strip();
            } else if (line.startsWith("data: [DONE]")) {
                kind = "[DONE]";
            } else if (line.startsWith("data: {")) {
                try {
                    JsonNode j = JSON.readTree(line.substring(6));
                    kind = j.has("object") ? "object:" + j.get("object").asText()
                            : j.has("event") ? "event:" + j.get("event").asText() : j.has("type") ? "type:" + j.get("type").asText() : "data";
                } catch (IOException e) {
                    kind = "data";
                }
            } else if (line.startsWith(": ")) {
                kind = "comment:" + line.substring(2).strip();
            }
            if (kind != null && !kinds.contains(kind)) {
                kinds.add(kind);
            }
        }
        return kinds;
    }
}
