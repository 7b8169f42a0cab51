package dev.hermesfront.gateway.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The real API server's answers to one {@link ApiScenarios} pass, as JSON lines (one exchange a line):
 * name, method, path, the request headers the client set and its body, then status, response headers
 * ({@code [name, value]} pairs, lower case) and the body as chunks with their arrival time in ms after
 * the request was sent. Secrets are scrubbed when written: the key becomes {@link #KEY_PLACEHOLDER};
 * {@code Date} is dropped.
 */
public record Recording(List<Entry> entries) {
    /** Stands for the API server's key in a recording. */
    public static final String KEY_PLACEHOLDER = "<API_SERVER_KEY>";
    private static final Set<String> DROPPED = Set.of("date");

    /** One recorded exchange. */
    public record Entry(String name, String method, String path, Map<String, String> requestHeaders, String requestBody, int status,
                        List<String[]> responseHeaders, List<String> chunks, List<Double> chunkMs) {
        public String body() {
            return String.join("", chunks);
        }

        public String header(String name) {
            return responseHeaders.stream().filter(h -> h[0].equals(name)).map(h -> h[1]).findFirst().orElse(null);
        }

        public boolean authenticated() {
            return requestHeaders.containsKey("authorization");
        }

        public boolean streamed() {
            String t = header("content-type");
            return t != null && t.startsWith("text/event-stream");
        }
    }

    /** Writes {@code exchanges} with {@code key} scrubbed. */
    public static void write(List<ApiScenarios.Exchange> exchanges, String key, Writer out) throws IOException {
        for (ApiScenarios.Exchange e : exchanges) {
            ObjectNode n = ApiScenarios.JSON.createObjectNode();
            n.put("name", e.name());
            n.put("method", e.method());
            n.put("path", scrub(e.path(), key));
            ObjectNode rh = n.putObject("request_headers");
            e.requestHeaders().forEach((k, v) -> rh.put(k, scrub(v, key)));
            n.put("request_body", e.requestBody() == null ? null : scrub(e.requestBody(), key));
            n.put("status", e.status());
            ArrayNode headers = n.putArray("response_headers");
            e.responseHeaders().forEach((k, vs) -> {
                if (!DROPPED.contains(k)) {
                    vs.forEach(v -> headers.addArray().add(k).add(scrub(v, key)));
                }
            });
            ArrayNode chunks = n.putArray("chunks");
            for (int i = 0; i < e.chunks().size(); i++) {
                chunks.addObject().put("t_ms", Math.round((e.chunkNanos().get(i) - e.sentNanos()) / 1e5) / 10.0)
                        .put("data", scrub(e.chunks().get(i), key));
            }
            out.write(ApiScenarios.JSON.writeValueAsString(n));
            out.write('\n');
        }
    }

    private static String scrub(String s, String key) {
        return s.replace(key, KEY_PLACEHOLDER);
    }

    /** Reads a recording. */
    public static Recording read(InputStream in) throws IOException {
        List<Entry> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = ApiScenarios.JSON.readTree(line);
            Map<String, String> rh = new LinkedHashMap<>();
            n.path("request_headers").fields().forEachRemaining(f -> rh.put(f.getKey(), f.getValue().asText()));
            List<String[]> headers = new ArrayList<>();
            n.path("response_headers").forEach(h -> headers.add(new String[] {h.get(0).asText(), h.get(1).asText()}));
            List<String> chunks = new ArrayList<>();
            List<Double> times = new ArrayList<>();
            n.path("chunks").forEach(c -> {
                chunks.add(c.path("data").asText());
                times.add(c.path("t_ms").asDouble());
            });
            out.add(new Entry(n.path("name").asText(), n.path("method").asText(), n.path("path").asText(), rh,
                    n.path("request_body").isNull() ? null : n.path("request_body").asText(), n.path("status").asInt(), headers, chunks, times));
        }
        return new Recording(List.copyOf(out));
    }

    /** Reads the committed recording of the real API server. */
    public static Recording committed() throws IOException {
        try (InputStream in = Recording.class.getResourceAsStream("/api-server/recorded.jsonl")) {
            if (in == null) {
                throw new IOException("api-server/recorded.jsonl missing from the test resources");
            }
            return read(in);
        }
    }
}
