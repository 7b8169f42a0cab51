package dev.hermesfront.gateway.proxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns the dashboard's session token when it is not configured: a loopback dashboard embeds it in its
 * page as {@code window.__HERMES_SESSION_TOKEN__} (rest-surface.md §4.2), and makes a new one at every
 * restart. Fetched once at start and again, asynchronously and at most every 0.5 s, when the dashboard
 * answers 401 or the token is still unknown. While no token is known yet, a request waits (without a thread)
 * for the fetch to end ({@link #known()}) rather than go out without one; after that, requests in flight
 * during a re-fetch go with the old value.
 * Thread-safe; never blocks the caller.
 */
final class DashboardTokenDiscovery implements InnerCredential {
    private static final System.Logger LOG = System.getLogger(DashboardTokenDiscovery.class.getName());
    private static final Pattern TOKEN = Pattern.compile("__HERMES_SESSION_TOKEN__\\s*=\\s*[\"']([^\"'<>\\s]+)[\"']");
    private static final long MIN_INTERVAL_NANOS = Duration.ofMillis(500).toNanos();

    private final URI page;
    private final HttpClient client;
    private final AtomicReference<String> token = new AtomicReference<>();
    private final AtomicBoolean fetching = new AtomicBoolean();
    private final AtomicLong lastFetch = new AtomicLong(System.nanoTime() - MIN_INTERVAL_NANOS);
    /** Completes when the fetch running now (or the last one) ends, found or not. */
    private volatile java.util.concurrent.CompletableFuture<Void> lastDone = java.util.concurrent.CompletableFuture.completedFuture(null);

    DashboardTokenDiscovery(URI dashboard, HttpClient client) {
        this.page = dashboard.resolve("/");
        this.client = client;
    }

    @Override
    public Optional<String> current() {
        String t = token.get();
        if (t == null) {
            refresh();
        }
        return Optional.ofNullable(t);
    }

    @Override
    public void rejected() {
        refresh();
    }

    /** Completes at once when the token is known, else when the fetch this starts (or the one running) ends. */
    @Override
    public java.util.concurrent.CompletionStage<Void> known() {
        if (token.get() != null) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        refresh();
        return lastDone;
    }

    /** Starts a fetch of the dashboard's page unless one ran in the last 0.5 s. */
    void refresh() {
        long now = System.nanoTime();
        long last = lastFetch.get();
        if (now - last < MIN_INTERVAL_NANOS || !lastFetch.compareAndSet(last, now) || !fetching.compareAndSet(false, true)) {
            return;
        }
        // HTTP/1.1 only: the JDK client's h2c upgrade offer gets a 400 from uvicorn.
        HttpRequest req = HttpRequest.newBuilder(page).version(HttpClient.Version.HTTP_1_1).timeout(Duration.ofSeconds(10)).GET().build();
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        lastDone = done;
        client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((resp, err) -> {
            fetching.set(false);
            try {
                learn(resp, err);
            } finally {
                done.complete(null);
            }
        });
    }

    private void learn(HttpResponse<String> resp, Throwable err) {
        if (err != null) {
            LOG.log(System.Logger.Level.DEBUG, "dashboard page not reachable: {0}", err.toString());
            return;
        }
        Matcher m = TOKEN.matcher(resp.body());
        if (resp.statusCode() == 200 && m.find()) {
            String old = token.getAndSet(m.group(1));
            if (old != null && !old.equals(m.group(1))) {
                LOG.log(System.Logger.Level.INFO, "dashboard session token changed (dashboard restarted); using the new one");
            }
        } else {
            LOG.log(System.Logger.Level.WARNING, "dashboard page at {0} has no session token (status {1}); "
                    + "set HERMES_DASHBOARD_SESSION_TOKEN for the dashboard and the front", page, resp.statusCode());
        }
    }
}
