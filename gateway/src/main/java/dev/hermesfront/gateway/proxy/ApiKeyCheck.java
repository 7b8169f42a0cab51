package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.config.UpstreamConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the API server's key handling (rest-surface.md §2, §5.4): {@code GET /v1/models} with the key
 * the front will inject (Hermes reads its key once, from {@code $HERMES_HOME/.env} with override, so
 * the key the front found may not be the one the server uses), then with a deliberately wrong key. An
 * API server that accepts the wrong key does not check keys at all: on aiohttp older than 3.12 (Debian
 * 12 ships 3.8.4) an aiohttp response is falsy, so {@code api_server.py}'s {@code if auth_err:} never
 * fires (issue 17). Behind the front that is safe only while the API server stays bound to loopback.
 * Used at startup, and meant for a {@code doctor} command: {@link #run} returns a {@link Result} and
 * prints nothing. Blocks the caller (never an IO thread) for at most two requests, each bounded by the
 * connect timeout plus 10 s.
 */
public final class ApiKeyCheck {
    /** The wrong key sent on purpose: obviously not a secret, and long enough to pass any format check. */
    static final String WRONG_KEY = "hermes-front-key-check-deliberately-wrong-key";

    /** What the API server said to the front's key. */
    public enum Outcome { ACCEPTED, REJECTED, UNREACHABLE, UNEXPECTED }

    /** Whether the API server tells keys apart, from its answer to the wrong key. */
    public enum KeyEnforcement {
        /** The wrong key got 401: the server checks keys. */
        CHECKS_KEYS,
        /** The wrong key got 200: the server accepts any key or none. */
        ACCEPTS_ANY_KEY,
        /** Not known: the server was unreachable, refused our key too, or answered something else. */
        UNKNOWN
    }

    /**
     * The result of one check.
     *
     * @param outcome           the answer to the front's key
     * @param enforcement       the answer to the wrong key
     * @param statusWithKey     HTTP status for the front's key, or -1 when unreachable
     * @param statusWithWrongKey HTTP status for the wrong key, or -1 when not asked or unreachable
     * @param message           one sentence for the operator about the front's key
     */
    public record Result(Outcome outcome, KeyEnforcement enforcement, int statusWithKey, int statusWithWrongKey, String message) {
        /** Returns true when the operator must act: the key is not accepted, or the server does not check keys. */
        public boolean needsAttention() {
            return outcome != Outcome.ACCEPTED || enforcement == KeyEnforcement.ACCEPTS_ANY_KEY;
        }

        /** Returns the lines to show, the key's first, then the warning about key checks if any. */
        public List<String> lines(String uri) {
            List<String> out = new ArrayList<>();
            out.add(message);
            if (enforcement == KeyEnforcement.ACCEPTS_ANY_KEY) {
                out.add(notCheckingKeys(uri));
            }
            return out;
        }

        /**
         * Prints the result: an accepted key to {@code out}, anything that needs attention to {@code err}
         * (the warning about key checks prefixed {@code WARNING:}).
         */
        public void report(String uri, PrintStream out, PrintStream err) {
            List<String> lines = lines(uri);
            (outcome == Outcome.ACCEPTED ? out : err).println("hermes-front: " + lines.get(0));
            for (String line : lines.subList(1, lines.size())) {
                err.println("hermes-front: WARNING: " + line);
            }
        }
    }

    private ApiKeyCheck() {}

    /** Asks the API server with the front's key, then (when that key is accepted) with a wrong one. */
    public static Result run(HttpClient client, UpstreamConfig api, String keySource) {
        String uri = api.uri().toString();
        int status;
        try {
            status = get(client, api, api.credential().orElseThrow().reveal());
        } catch (IOException e) {
            return new Result(Outcome.UNREACHABLE, KeyEnforcement.UNKNOWN, -1, -1, "API server at " + uri + " is not reachable ("
                    + e.getClass().getSimpleName() + "); REST requests get 502 upstream_unavailable until it is up");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(Outcome.UNREACHABLE, KeyEnforcement.UNKNOWN, -1, -1, "API server check interrupted");
        }
        if (status == 401) {
            return new Result(Outcome.REJECTED, KeyEnforcement.CHECKS_KEYS, status, -1, "API server at " + uri + " REJECTS the key from "
                    + keySource + " (401 invalid_api_key): every proxied REST call will fail. Hermes loads $HERMES_HOME/.env with "
                    + "override and reads the key once at start; pass the key it uses with --api-key, or restart it");
        }
        if (status != 200) {
            return new Result(Outcome.UNEXPECTED, KeyEnforcement.UNKNOWN, status, -1, "API server at " + uri + " answered " + status
                    + " to GET /v1/models; is it the Hermes API server?");
        }
        int wrong;
        try {
            wrong = get(client, api, WRONG_KEY);
        } catch (IOException e) {
            wrong = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            wrong = -1;
        }
        KeyEnforcement enforcement = wrong == 401 ? KeyEnforcement.CHECKS_KEYS
                : wrong >= 200 && wrong < 300 ? KeyEnforcement.ACCEPTS_ANY_KEY : KeyEnforcement.UNKNOWN;
        return new Result(Outcome.ACCEPTED, enforcement, status, wrong, "API server at " + uri + " accepts the key from " + keySource);
    }

    /** Returns the warning for an API server that accepts any key. */
    static String notCheckingKeys(String uri) {
        return "the API server at " + uri + " does NOT check keys: it answered 200 to GET /v1/models with a deliberately wrong "
                + "key. Likely cause: aiohttp older than 3.12 (Debian 12 ships 3.8.4), on which api_server.py's key check never "
                + "fires. Anyone who reaches its port can run the agent: keep it bound to loopback (API_SERVER_HOST=127.0.0.1) "
                + "behind the front, or upgrade aiohttp to 3.12 or later.";
    }

    private static int get(HttpClient client, UpstreamConfig api, String key) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(api.uri().resolve("/v1/models"))
                .version(HttpClient.Version.HTTP_1_1)
                .timeout(api.connectTimeout().plus(Duration.ofSeconds(10)))
                .header("Authorization", "Bearer " + key)
                .GET().build();
        return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
