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
 * answers 401 or the token is still unknown. Requests in flight meanwhile go with the old value.
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

    /** Starts a fetch of the dashboard's page unless one ran in the last 0.5 s. */
    void refresh() {
        long now = System.nanoTime();
        long last = lastFetch.get();
        if (now - last < MIN_INTERVAL_NANOS || !lastFetch.compareAndSet(last, now) || !fetching.compareAndSet(false, true)) {
            return;
        }
        // HTTP/1.1 only: the JDK client's h2c upgrade offer gets a 400 from uvicorn.
        HttpRequest req = HttpRequest.newBuilder(page).version(HttpClient.Version.HTTP_1_1).timeout(Duration.ofSeconds(10)).GET().build();
        client.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((resp, err) -> {
            fetching.set(false);
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
        });
    }
}
