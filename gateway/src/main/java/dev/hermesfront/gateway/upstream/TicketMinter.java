package dev.hermesfront.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Mints a single-use WebSocket ticket from a gated upstream for each dial: {@code POST /api/auth/ws-ticket}
 * with {@code Authorization: Bearer} and the upstream's session token, answered {@code {"ticket": "..."}}
 * (tui-wire-current.md §9: single use, 30 s, so one per dial, reconnects included). The ticket is never logged.
 * Asynchronous, on the HTTP client it is given (the gateway's, on its pools). Thread-safe.
 */
public final class TicketMinter implements AutoCloseable {
    /** Path of the minting call on the upstream. */
    public static final String PATH = "/api/auth/ws-ticket";
    /** RFC 7230 token characters, at most 512 of them. */
    private static final java.util.regex.Pattern TOKEN_CHARS = java.util.regex.Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,512}");

    private final URI mintUri;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;
    private final ObjectMapper json;

    /**
     * @param wsUrl the upstream's /api/ws; the ticket is minted on the same host and port over HTTP(S)
     * @param token the upstream session token that authenticates the mint call
     * @param http  the client of the mint calls: HTTP/1.1 ({@code Pools#http}; on http:// the JDK's default asks for an
     *              h2c upgrade, which uvicorn 0.17, Debian's, answers 400 "Unsupported upgrade request")
     * @param json  reads the answer
     */
    public TicketMinter(URI wsUrl, String token, Duration timeout, HttpClient http, ObjectMapper json) {
        String scheme = "wss".equalsIgnoreCase(wsUrl.getScheme()) ? "https" : "http";
        this.mintUri = URI.create(scheme + "://" + wsUrl.getRawAuthority() + PATH);
        this.token = token;
        this.timeout = timeout;
        this.http = http;
        this.json = json;
    }

    /** Asks the upstream for a fresh ticket; completes with it, or fails naming the status (never the body). */
    public CompletableFuture<String> mint() {
        HttpRequest req = HttpRequest.newBuilder(mintUri)
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException(new IOException("ticket mint answered HTTP " + r.statusCode()));
            }
            try {
                JsonNode t = json.readTree(r.body()).path("ticket");
                if (!t.isTextual() || !TOKEN_CHARS.matcher(t.asText()).matches()) {
                    // It becomes part of a header: anything but token characters could split or forge one.
                    throw new IOException("ticket mint answered no usable ticket");
                }
                return t.asText();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Nothing to release: the client and its threads belong to the gateway's pools. */
    @Override
    public void close() {}
}
