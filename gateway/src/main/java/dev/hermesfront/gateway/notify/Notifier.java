package dev.hermesfront.gateway.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.bridge.hub.AgentHub;
import dev.hermesfront.bridge.hub.RequestWatcher;
import dev.hermesfront.gateway.config.RemoteSettings.NotifySettings;
import dev.hermesfront.gateway.policy.AuditLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tells someone when an agent waits for a person: for each server→client request that needs one ({@link #HUMAN}:
 * approval, clarify, sudo, secret, the vault prompts) one notification, sent at once when no client that may answer
 * it is attached (held, or its client parked), else when it is still unanswered after {@code notify.after}.
 *
 * <p>Where: {@code notify.webhook} gets a JSON POST with {@code X-Hermes-Signature: sha256=HEX}, the HMAC-SHA256 of
 * the body under the configured or generated secret; {@code notify.ntfy} gets a plain-text POST with {@code Title},
 * {@code Click} and {@code Tags} headers. Both name the agent, its owner, the session, the kind of request, this
 * machine and the page's URL; never the request's content (a sudo or secret prompt's text, a command).
 *
 * <p>Never blocks: the hub's callbacks ({@link RequestWatcher}) only record and schedule; sending is the JDK client's
 * asynchronous exchange on the gateway's client pool, retries are timers ({@value #ATTEMPTS} attempts, back-off
 * doubling from {@code firstBackoff}). Bounded: at most {@value #MAX_TRACKED} requests tracked (oldest forgotten)
 * and {@value #MAX_PENDING} notifications in flight or waiting to retry (more are dropped, counted and audited).
 * Every outcome is audited ({@code notify_sent}, {@code notify_failed}, {@code notify_dropped}). Thread-safe.
 */
public final class Notifier implements RequestWatcher {
    private static final System.Logger LOG = System.getLogger(Notifier.class.getName());
    /** Requests a person answers; the desktop bridge's own requests (preview.*, window.read …) are not. */
    public static final Set<String> HUMAN = Set.of("approval", "clarify", "sudo", "secret", "display.install.sudo", "vault.code",
            "vault.save_login", "vault.unlock_prompt");
    /** The webhook signature header. */
    public static final String SIGNATURE = "X-Hermes-Signature";
    static final int ATTEMPTS = 3;
    static final int MAX_TRACKED = 4096;
    static final int MAX_PENDING = 256;

    private final NotifySettings settings;
    private final byte[] key;
    private final String machine;
    private final URI page;
    private final ScheduledExecutorService timers;
    private final java.util.concurrent.Executor executor;
    private final HttpClient http;
    private final AuditLog audit;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Duration firstBackoff;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final Map<String, Tracked> tracked = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tracked> eldest) {
            if (size() > MAX_TRACKED) {
                eldest.getValue().cancel();
                return true;
            }
            return false;
        }
    };

    /** One request the agent waits on. Guarded by the tracked map. */
    private static final class Tracked {
        boolean notified;
        ScheduledFuture<?> deadline;

        void cancel() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }
    }

    /**
     * @param key          the webhook's HMAC key (configured, or the state directory's)
     * @param machine      this machine's name, as the notification shows it
     * @param page         the page's URL ({@code …/front/})
     * @param timers       the gateway's timers (deadlines, retries)
     * @param executor     where a notification is built and handed to the client (the gateway's client pool), so that
     *                     nothing of it, a host name lookup included, runs under the hub's lock
     * @param http         the client to post with (its executor is the gateway's client pool)
     * @param firstBackoff wait before the first retry; doubled each time
     */
    public Notifier(NotifySettings settings, String key, String machine, URI page, ScheduledExecutorService timers,
                    java.util.concurrent.Executor executor, HttpClient http, AuditLog audit, ObjectMapper mapper, Clock clock,
                    Duration firstBackoff) {
        this.settings = settings;
        this.key = key.getBytes(StandardCharsets.UTF_8);
        this.machine = machine;
        this.page = page;
        this.timers = timers;
        this.executor = executor;
        this.http = http;
        this.audit = audit;
        this.mapper = mapper;
        this.clock = clock;
        this.firstBackoff = firstBackoff;
    }

    /** Returns how many requests are tracked now (at most {@value #MAX_TRACKED}). */
    int tracked() {
        synchronized (tracked) {
            return tracked.size();
        }
    }

    /** Returns the notifications dropped because too many were pending. */
    public int dropped() {
        return dropped.get();
    }

    @Override
    public void waiting(AgentHub hub, String requestKey, String method, String sessionId, boolean attended) {
        if (!HUMAN.contains(method)) {
            return;
        }
        String id = hub.id() + " " + requestKey;
        synchronized (tracked) {
            Tracked t = tracked.computeIfAbsent(id, k -> new Tracked());
            if (t.notified) {
                return;
            }
            if (!attended) {
                t.notified = true;
                t.cancel();
                later(hub, method, sessionId, "nobody_attached");
            } else if (t.deadline == null) {
                t.deadline = timers.schedule(() -> expired(id, hub, method, sessionId), settings.after().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void settled(AgentHub hub, String requestKey) {
        synchronized (tracked) {
            Tracked t = tracked.remove(hub.id() + " " + requestKey);
            if (t != null) {
                t.cancel();
            }
        }
    }

    private void expired(String id, AgentHub hub, String method, String sessionId) {
        synchronized (tracked) {
            Tracked t = tracked.get(id);
            if (t == null || t.notified) {
                return;
            }
            t.notified = true;
            t.deadline = null;
        }
        later(hub, method, sessionId, "unanswered");
    }

    /** Sends on the executor: the caller may hold the hub's monitor. */
    private void later(AgentHub hub, String method, String sessionId, String reason) {
        try {
            executor.execute(() -> send(hub, method, sessionId, reason));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            dropped.incrementAndGet();
            audit.event("notify_dropped").with("agent", hub.id()).with("kind", method).with("outcome", "dropped")
                    .with("reason", "the client pool is full or stopped").write();
        }
    }

    /** Builds the notification (nothing of the request's content) and posts it to each target. */
    private void send(AgentHub hub, String method, String sessionId, String reason) {
        ObjectNode n = mapper.createObjectNode();
        n.put("event", "agent_waiting");
        n.put("kind", method);
        n.put("reason", reason);
        n.put("agent", hub.id());
        n.put("owner", hub.owner().credential());
        if (sessionId != null) {
            n.put("session", sessionId);
        }
        n.put("machine", machine);
        n.put("url", page.toString());
        n.put("at", clock.instant().toString());
        String json = n.toString();
        String text = "Hermes on " + machine + " waits for " + what(method) + " (agent " + hub.id().substring(0, Math.min(8, hub.id().length()))
                + (sessionId == null ? "" : ", session " + sessionId) + ", " + (reason.equals("unanswered") ? "unanswered for "
                + settings.after().toSeconds() + " s" : "nobody attached") + "). " + page;
        settings.webhook().ifPresent(u -> submit(HttpRequest.newBuilder(u).header("Content-Type", "application/json")
                .header(SIGNATURE, "sha256=" + sign(json)).header("X-Hermes-Event", "agent_waiting")
                .POST(HttpRequest.BodyPublishers.ofString(json)), "webhook", hub, method, 1));
        settings.ntfy().ifPresent(u -> submit(HttpRequest.newBuilder(u).header("Content-Type", "text/plain; charset=utf-8")
                .header("Title", "Hermes waits for " + what(method)).header("Click", page.toString()).header("Tags", "robot")
                .POST(HttpRequest.BodyPublishers.ofString(text)), "ntfy", hub, method, 1));
    }

    private static String what(String method) {
        return switch (method) {
            case "approval" -> "your approval";
            case "clarify" -> "an answer to a question";
            case "sudo", "display.install.sudo" -> "a sudo password";
            case "secret" -> "a secret";
            default -> "your answer (" + method + ")";
        };
    }

    private void submit(HttpRequest.Builder request, String target, AgentHub hub, String method, int attempt) {
        if (attempt == 1 && pending.incrementAndGet() > MAX_PENDING) {
            pending.decrementAndGet();
            dropped.incrementAndGet();
            audit.event("notify_dropped").with("target", target).with("agent", hub.id()).with("kind", method).with("outcome", "dropped")
                    .with("reason", MAX_PENDING + " notifications pending").write();
            return;
        }
        HttpRequest r = request.copy().timeout(Duration.ofSeconds(10)).build();
        http.sendAsync(r, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
            int status = resp == null ? 0 : resp.statusCode();
            if (err == null && status >= 200 && status < 300) {
                pending.decrementAndGet();
                audit.event("notify_sent").with("target", target).with("agent", hub.id()).with("kind", method).with("attempt", attempt)
                        .with("status", status).with("outcome", "sent").write();
                return;
            }
            String why = err != null ? err.getClass().getSimpleName() : "HTTP " + status;
            boolean retry = attempt < ATTEMPTS && (err != null || status >= 500 || status == 429);
            if (retry) {
                try {
                    timers.schedule(() -> submit(request, target, hub, method, attempt + 1), firstBackoff.toMillis() << (attempt - 1),
                            TimeUnit.MILLISECONDS);
                    return;
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // shutting down
                }
            }
            pending.decrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "notification to the {0} failed after {1} attempt(s): {2}", target, attempt, why);
            audit.event("notify_failed").with("target", target).with("agent", hub.id()).with("kind", method).with("attempt", attempt)
                    .with("outcome", "failed").with("reason", why).write();
        });
    }

    /** Returns the hex HMAC-SHA256 of {@code body} under the key. */
    String sign(String body) {
        return sign(key, body);
    }

    /** Returns the hex HMAC-SHA256 of {@code body} under {@code key} (receivers check {@code X-Hermes-Signature} with it). */
    public static String sign(byte[] key, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
