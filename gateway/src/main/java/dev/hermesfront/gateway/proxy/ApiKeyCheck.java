package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.config.UpstreamConfig;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Checks at startup that the API server accepts the key the front will inject ({@code GET /v1/models},
 * rest-surface.md §5.4): Hermes reads its key once, from {@code $HERMES_HOME/.env} with override, so the
 * key the front found may not be the one the server uses. Runs once on the caller's thread (startup, not
 * an IO thread).
 */
public final class ApiKeyCheck {
    /** What the API server said. */
    public enum Outcome { ACCEPTED, REJECTED, UNREACHABLE, UNEXPECTED }

    /** The outcome and a sentence for the operator. */
    public record Result(Outcome outcome, String message) {}

    private ApiKeyCheck() {}

    /** Asks the API server; bounded by the connect timeout plus 10 s. */
    public static Result run(HttpClient client, UpstreamConfig api, String keySource) {
        HttpRequest req = HttpRequest.newBuilder(api.uri().resolve("/v1/models"))
                .timeout(api.connectTimeout().plus(Duration.ofSeconds(10)))
                .header("Authorization", "Bearer " + api.credential().orElseThrow().reveal())
                .GET().build();
        int status;
        try {
            status = client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return new Result(Outcome.UNREACHABLE, "API server at " + api.uri() + " is not reachable ("
                    + e.getClass().getSimpleName() + "); REST requests get 502 upstream_unavailable until it is up");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Outcome.UNREACHABLE, "API server check interrupted");
        }
        if (status == 200) {
            return new Result(Outcome.ACCEPTED, "API server at " + api.uri() + " accepts the key from " + keySource);
        }
        if (status == 401) {
            return new Result(Outcome.REJECTED, "API server at " + api.uri() + " REJECTS the key from " + keySource
                    + " (401 invalid_api_key): every proxied REST call will fail. Hermes loads $HERMES_HOME/.env with "
                    + "override and reads the key once at start; pass the key it uses with --api-key, or restart it");
        }
        return new Result(Outcome.UNEXPECTED, "API server at " + api.uri() + " answered " + status
                + " to GET /v1/models; is it the Hermes API server?");
    }
}
