package dev.hermesfront.gateway.ops;

import com.sun.net.httpserver.HttpServer;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.process.ProcessLauncher;
import dev.hermesfront.gateway.config.AgentConfig;
import dev.hermesfront.gateway.config.Cidr;
import dev.hermesfront.gateway.config.ConfigLoader;
import dev.hermesfront.gateway.config.ConfigValue;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.gateway.config.ListenSettings;
import dev.hermesfront.gateway.config.PeerConfig;
import dev.hermesfront.gateway.config.ProxyIdentity;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.config.UpstreamSettings;
import dev.hermesfront.gateway.proxy.ApiKeyCheck;
import dev.hermesfront.gateway.tls.ListenSecurity;
import dev.hermesfront.gateway.tls.PemFiles;
import dev.hermesfront.gateway.tls.ServerTls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLSocket;

/**
 * {@code hermes-front doctor}: checks a deployment end to end, in order, one line each, with the fix
 * when something fails: the bind address, the agent command (a dry spawn until {@code gateway.ready}), the
 * API server and its key, the dashboard and its token, each peer with its credential, the {@code .env} found
 * and the keys it supplied, the trusted proxy's identity configuration, and whether an SSE stream passes
 * through the front unbuffered. Exit 0 only when nothing needed failed; {@code skip} and {@code info} lines
 * never fail it. No secret is ever printed.
 */
public final class Doctor {
    /** One check's outcome. */
    public enum Status { OK, FAIL, SKIP, INFO, WARN }

    /** One line of the report. */
    public record Line(Status status, String check, String message, String fix) {
        String render() {
            String s = switch (status) {
                case OK -> "ok  ";
                case FAIL -> "FAIL";
                case SKIP -> "skip";
                case INFO -> "info";
                case WARN -> "warn";
            };
            return String.format("%s  %-10s %s%s", s, check, message, fix == null ? "" : " -- fix: " + fix);
        }
    }

    /** A front running in-process, for the SSE check. */
    public interface Front extends AutoCloseable {
        /** Returns the port it listens on (127.0.0.1). */
        int port();

        @Override
        void close();
    }

    /**
     * Starts a front in-process with a configuration in front of the demo agent: the composition root's
     * server, so that this package does not depend on it.
     */
    @FunctionalInterface
    public interface FrontStarter {
        Front start(GatewayConfig config) throws Exception;
    }

    private final ConfigLoader.Loaded loaded;
    private final Supplier<AgentLauncher> launcher;
    private final HttpClient http;
    private final FrontStarter fronts;
    private final PrintStream out;
    private final List<Line> lines = new ArrayList<>();

    /**
     * @param launcher builds the agent launcher serve would use (closed after the check)
     * @param http     the checks' HTTP client (HTTP/1.1, on the command's own bounded threads)
     * @param fronts   starts the in-process front of the SSE check
     */
    public Doctor(ConfigLoader.Loaded loaded, Supplier<AgentLauncher> launcher, HttpClient http, FrontStarter fronts, PrintStream out) {
        this.loaded = loaded;
        this.launcher = launcher;
        this.http = http;
        this.fronts = fronts;
        this.out = out;
    }

    /** Runs every check, printing each line as it is known; returns the exit code (0 = nothing failed). */
    public int run() {
        GatewayConfig c = loaded.gateway();
        bind(c);
        transport(c);
        agent();
        api(c);
        dashboard(c);
        peers(c);
        dotEnv();
        identity(c);
        sse(c);
        long failed = lines.stream().filter(l -> l.status() == Status.FAIL).count();
        out.println(failed == 0 ? "doctor: everything needed works" : "doctor: " + failed + " check(s) failed");
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    /** Returns the lines so far. */
    public List<Line> lines() {
        return List.copyOf(lines);
    }

    private void add(Status s, String check, String message, String fix) {
        Line l = new Line(s, check, message, fix);
        lines.add(l);
        out.println(l.render());
        out.flush();
    }

    private void bind(GatewayConfig c) {
        InetSocketAddress a = c.listen().address();
        String where = ListenAddress.format(a);
        try (ServerSocket s = new ServerSocket()) {
            s.bind(a);
            add(Status.OK, "bind", where + " can be bound" + (c.loopback() ? " (loopback: only this machine can connect)" : ""), null);
        } catch (IOException e) {
            if (a.getPort() != 0 && (c.remote().tls() ? tlsFrontAnswers(a, c.remote().tlsCert().get()) : frontAnswers(a))) {
                add(Status.OK, "bind", where + " is in use by a running hermes-front (its /front/health answers)", null);
                return;
            }
            add(Status.FAIL, "bind", where + " cannot be bound (" + e.getMessage() + ")", a.getAddress().isAnyLocalAddress()
                    ? "choose a free port with --listen" : "use an address of this machine (tailscale ip -4) and a free port with --listen");
        }
    }

    /** Which case of {@link ListenSecurity} applies, and whether the certificate loads and is not about to expire. */
    private void transport(GatewayConfig c) {
        InetSocketAddress a = c.listen().address();
        ServerTls tls = null;
        if (c.remote().tls()) {
            try {
                tls = ServerTls.load(c.remote().tlsCert().get(), c.remote().tlsKey().get());
            } catch (IOException e) {
                add(Status.FAIL, "tls", e.getMessage(), "point tls.cert and tls.key at the PEM files of one certificate (tailscale cert "
                        + "HOST writes HOST.crt and HOST.key)");
                return;
            }
        }
        ListenSecurity sec = ListenSecurity.of(a, tls != null, c.remote().insecurePlaintext());
        if (sec == ListenSecurity.REFUSED) {
            add(Status.FAIL, "tls", sec.description(), "serve TLS (--tls-cert FILE --tls-key FILE), listen on a Tailscale address or "
                    + "127.0.0.1, or pass --insecure-plaintext if the network is encrypted another way");
        } else if (tls != null) {
            java.time.Instant until = tls.certificate().getNotAfter().toInstant();
            boolean soon = until.isBefore(java.time.Instant.now().plus(Duration.ofDays(14)));
            add(soon ? Status.WARN : Status.OK, "tls", sec.description() + "; " + tls.describe(), soon
                    ? "renew it (tailscale cert, certbot renew), then reload (kill -HUP or POST /front/reload): no restart needed" : null);
        } else {
            add(sec == ListenSecurity.INSECURE ? Status.WARN : Status.OK, "tls", sec.description(), null);
        }
    }

    /**
     * The TLS front's {@code /front/health}, over a socket that trusts only the configured certificate (so a front
     * with a certificate for a name, dialled at its address, is still recognised; and nothing else is). One request,
     * {@code Connection: close}, at most 8 KiB read, 3 s per connect and read.
     */
    private static boolean tlsFrontAnswers(InetSocketAddress a, Path certFile) {
        try (SSLSocket s = (SSLSocket) ServerTls.trusting(PemFiles.readChain(certFile)).getSocketFactory().createSocket()) {
            s.connect(a, 3000);
            s.setSoTimeout(3000);
            OutputStream o = s.getOutputStream();
            o.write(("GET /front/health HTTP/1.1\r\nHost: " + ListenAddress.format(a) + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            o.flush();
            String r = new String(s.getInputStream().readNBytes(8192), StandardCharsets.ISO_8859_1);
            return r.startsWith("HTTP/1.1 200") && r.contains("hermes-front");
        } catch (IOException e) {
            return false;
        }
    }

    private boolean frontAnswers(InetSocketAddress a) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(java.net.URI.create("http://" + ListenAddress.format(a) + "/front/health"))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("hermes-front");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void agent() {
        Optional<AgentConfig> a = loaded.agent();
        String found = loaded.sourceOf("agent.cmd");
        if (a.isPresent() && found.startsWith("found: ")) {
            add(Status.INFO, "agent", "no agent option: running " + String.join(" ", a.get().argv()) + " in "
                    + a.get().cwd().map(Path::toString).orElse(".") + " (" + found + ")", null);
        }
        if (a.isPresent() && a.get().ws().isEmpty()) {
            String cmd = a.get().argv().get(0);
            if (!onPath(cmd, a.get().cwd().orElse(null))) {
                add(Status.FAIL, "agent", "the agent command " + cmd + " is not found", "install it, or give its full path in --agent-cmd");
                return;
            }
        }
        Duration timeout = loaded.gateway().tui().readyTimeout();
        // The dry spawn's own start and exit lines say what the check line says; the agent's stderr still shows.
        try (Quiet q = Quiet.of(ProcessLauncher.class.getName(), ProcessLauncher.class.getPackageName() + ".ProcessAgentLink");
                AgentLauncher l = launcher.get()) {
            AgentProbe.Result r = AgentProbe.run(l, timeout);
            if (r.ok()) {
                add(Status.OK, "agent", r.message(), null);
            } else {
                add(Status.FAIL, "agent", r.message(), a.isPresent() && a.get().ws().isPresent()
                        ? "start the dashboard (hermes dashboard --host 127.0.0.1) and check dashboard.token"
                        : "run the agent command by hand in --agent-cwd and read its error (python -m tui_gateway.entry needs the hermes-agent "
                        + "checkout and its virtualenv)");
            }
        }
    }

    static boolean onPath(String cmd, Path cwd) {
        if (cmd.contains("/")) {
            Path p = Path.of(cmd);
            if (!p.isAbsolute() && cwd != null) {
                p = cwd.resolve(p);
            }
            return Files.isExecutable(p);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }

    private void api(GatewayConfig c) {
        Optional<UpstreamConfig> api = c.upstreams().api();
        if (api.isEmpty()) {
            add(Status.SKIP, "api", "no API server proxied (no API_SERVER_KEY found, or api.upstream off)", null);
            return;
        }
        String source = loaded.sourceOf("api.key");
        ApiKeyCheck.Result r = ApiKeyCheck.run(http, api.get(), source);
        switch (r.outcome()) {
            case ACCEPTED -> add(Status.OK, "api", r.message(), null);
            case REJECTED -> add(Status.FAIL, "api", "the API key from " + source + " is rejected by the API server at " + api.get().uri()
                    + " (401)", "pass the key the API server uses with --api-key (Hermes reads API_SERVER_KEY from $HERMES_HOME/.env once, "
                    + "at start), or restart Hermes after changing it");
            case UNREACHABLE -> add(Status.FAIL, "api", r.message(), "start the API server (API_SERVER_ENABLED=true, API_SERVER_HOST=127.0.0.1 in "
                    + "$HERMES_HOME/.env, then restart Hermes), or set api.upstream to off");
            default -> add(Status.FAIL, "api", r.message(), "point --api-upstream at the Hermes API server");
        }
    }

    private void dashboard(GatewayConfig c) {
        Optional<UpstreamConfig> d = c.upstreams().dashboard();
        if (d.isEmpty()) {
            add(Status.SKIP, "dashboard", "no dashboard proxied", null);
            return;
        }
        UpstreamConfig u = d.get();
        boolean token = u.credential().isPresent();
        HttpRequest.Builder b = HttpRequest.newBuilder(u.uri().resolve(token ? "/api/env" : "/api/status")).timeout(Duration.ofSeconds(10)).GET();
        u.credential().ifPresent(t -> b.header("X-Hermes-Session-Token", t.reveal()));
        int status = status(b.build());
        if (status < 0) {
            add(Status.FAIL, "dashboard", "the dashboard at " + u.uri() + " is not reachable", "start it: hermes dashboard --host 127.0.0.1 --port "
                    + u.uri().getPort());
        } else if (status == 401 || status == 403) {
            add(Status.FAIL, "dashboard", "the dashboard at " + u.uri() + " rejects the session token from " + loaded.sourceOf("dashboard.token")
                    + " (" + status + ")", "set HERMES_DASHBOARD_SESSION_TOKEN to the same value for the dashboard and the front, then restart "
                    + "the dashboard");
        } else if (status == 200) {
            add(Status.OK, "dashboard", "the dashboard at " + u.uri() + (token ? " accepts the session token from " + loaded.sourceOf("dashboard.token")
                    : " answers (its session token is read from its page)"), null);
        } else {
            add(Status.FAIL, "dashboard", "the dashboard at " + u.uri() + " answered " + status, "point --dashboard-upstream at the Hermes dashboard");
        }
    }

    private void peers(GatewayConfig c) {
        if (c.peers().peers().isEmpty()) {
            add(Status.SKIP, "peers", "no peers configured", null);
            return;
        }
        for (PeerConfig p : c.peers().peers()) {
            String name = "peer " + p.name();
            int h = status(HttpRequest.newBuilder(p.url().resolve("/health")).timeout(Duration.ofSeconds(10)).GET().build());
            if (h < 0) {
                add(Status.FAIL, name, p.url() + " is not reachable", "start hermes-front on " + p.name() + " and check the tailnet ACLs");
                continue;
            }
            int m = status(HttpRequest.newBuilder(p.url().resolve("/v1/models")).timeout(Duration.ofSeconds(10))
                    .header("Authorization", p.credential().authorization()).GET().build());
            if (m == 401 || m == 403) {
                add(Status.FAIL, name, p.url() + " refuses our credential (" + m + ")", "give this peer's entry the token or Basic user "
                        + "configured on " + p.name());
            } else {
                add(Status.OK, name, p.url() + " answers" + (m == 200 ? " and accepts our credential" : " (credential not checked: no API "
                        + "server behind it)"), null);
            }
        }
    }

    private int status(HttpRequest req) {
        try {
            return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void dotEnv() {
        String file = loaded.values().stream().filter(v -> v.key().equals("(.env)")).map(ConfigValue::value).findFirst().orElse("?");
        Set<String> keys = new LinkedHashSet<>();
        for (ConfigValue v : loaded.values()) {
            int open = v.source().lastIndexOf('(');
            if (v.source().startsWith(".env ") && open > 0 && v.source().endsWith(")")) {
                keys.add(v.source().substring(open + 1, v.source().length() - 1));
            }
        }
        if (file.endsWith("(not found)")) {
            add(Status.INFO, ".env", file, null);
        } else {
            add(Status.INFO, ".env", file + (keys.isEmpty() ? ": supplied no key the front uses" : ": supplied " + String.join(", ", keys)), null);
        }
    }

    private void identity(GatewayConfig c) {
        ProxyIdentity p = c.auth().proxy();
        Credentials creds = c.auth().credentials();
        if (!p.enabled()) {
            add(Status.SKIP, "identity", "identity_header off" + (creds.hasLogins() ? " (but some credentials have an identity)" : ""), null);
            return;
        }
        long logins = creds.all().stream().filter(x -> x instanceof Credential.Login).count();
        String trusted = String.join(", ", p.trustedProxies().stream().map(Cidr::toString).toList());
        if (logins == 0) {
            add(Status.FAIL, "identity", p.header().get() + " from " + trusted + ", but no credential has an identity",
                    "add identity: USER@example.com to a credentials entry");
        } else if (p.trustedProxies().stream().anyMatch(x -> x.prefix() == 0)) {
            add(Status.FAIL, "identity", p.header().get() + " is believed from every address (" + trusted + ")",
                    "trust only the proxy's address, e.g. --trusted-proxy 127.0.0.1/32 for Tailscale Serve on this machine");
        } else if (!c.loopback() && p.trustedProxies().stream().noneMatch(x -> x.contains(InetAddress.getLoopbackAddress()))) {
            add(Status.WARN, "identity", p.header().get() + " from " + trusted + " for " + logins + " identit" + (logins == 1 ? "y" : "ies")
                    + "; Tailscale Serve connects from 127.0.0.1", null);
        } else {
            add(Status.OK, "identity", p.header().get() + " from " + trusted + " for " + logins + " identit" + (logins == 1 ? "y" : "ies"), null);
        }
    }

    /**
     * Runs a copy of this front in-process on 127.0.0.1:0 with the configured timeouts and limits, in front of
     * a local SSE source that holds its second event until the first reached the client: the first event must
     * arrive while the source is still holding the rest.
     */
    private void sse(GatewayConfig c) {
        String token = "doctor-" + java.util.UUID.randomUUID();
        CountDownLatch firstSeen = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean rest = new java.util.concurrent.atomic.AtomicBoolean();
        HttpServer source;
        try {
            source = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        } catch (IOException e) {
            add(Status.FAIL, "sse", "could not open a local SSE source (" + e.getMessage() + ")", null);
            return;
        }
        source.createContext("/v1/chat/completions", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                o.write("data: {\"n\": 1}\n\n".getBytes(StandardCharsets.UTF_8));
                o.flush();
                boolean seen = firstSeen.await(5, TimeUnit.SECONDS);
                rest.set(true);
                o.write(("data: {\"n\": 2, \"first_seen\": " + seen + "}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        source.start();
        UpstreamSettings up = c.upstreams();
        UpstreamConfig api = new UpstreamConfig(java.net.URI.create("http://127.0.0.1:" + source.getAddress().getPort()),
                Optional.of(Secret.of("doctor-inner-key-0123456789")), up.connect(), up.response(), up.idle());
        GatewayConfig copy = new GatewayConfig(ListenSettings.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                new dev.hermesfront.gateway.config.AuthSettings(Credentials.singleToken(Secret.of(token))), c.limits(),
                new UpstreamSettings(Optional.of(api), Optional.empty(), up.connect(), up.response(), up.idle()), c.tui(),
                dev.hermesfront.gateway.config.SecuritySettings.defaults(), dev.hermesfront.gateway.config.PeerSettings.none(), c.pools());
        Front front = null;
        // The in-process front is the check's instrument, not news: its start line stays out of the report.
        try (Quiet q = Quiet.of("dev.hermesfront")) {
            front = fronts.start(copy);
            HttpRequest req = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + front.port() + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
                    .build();
            HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            boolean early = false;
            String last = "";
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("data: {\"n\": 1}")) {
                        early = !rest.get();
                        firstSeen.countDown();
                    }
                    if (!line.isEmpty()) {
                        last = line;
                    }
                }
            }
            if (r.statusCode() == 200 && early && last.equals("data: [DONE]")) {
                add(Status.OK, "sse", "a stream's first event passes through the front before the next one is written (unbuffered)", null);
            } else {
                add(Status.FAIL, "sse", "the stream through the front " + (r.statusCode() != 200 ? "answered " + r.statusCode()
                        : early ? "ended early" : "was held back until it ended (buffered)"), "check timeouts.idle and timeouts.response");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            add(Status.FAIL, "sse", "the stream check could not run (" + e.getMessage() + ")", null);
        } finally {
            firstSeen.countDown();
            try (Quiet q = Quiet.of("dev.hermesfront")) {
                if (front != null) {
                    front.close();
                }
            }
            source.stop(0);
        }
    }

    /**
     * Holds loggers at WARNING while a check runs its own instruments (the dry-spawned agent, the in-process
     * front), so their INFO lifecycle lines do not land between the report's lines; warnings still show.
     * Restores the levels it found.
     */
    private static final class Quiet implements AutoCloseable {
        private final List<Logger> loggers = new ArrayList<>();
        private final List<Level> levels = new ArrayList<>();

        static Quiet of(String... names) {
            Quiet q = new Quiet();
            for (String n : names) {
                Logger l = Logger.getLogger(n);
                q.loggers.add(l);
                q.levels.add(l.getLevel());
                Level effective = effective(l);
                if (effective.intValue() < Level.WARNING.intValue()) {
                    l.setLevel(Level.WARNING);
                }
            }
            return q;
        }

        private static Level effective(Logger l) {
            for (Logger x = l; x != null; x = x.getParent()) {
                if (x.getLevel() != null) {
                    return x.getLevel();
                }
            }
            return Level.INFO;
        }

        @Override
        public void close() {
            for (int i = 0; i < loggers.size(); i++) {
                loggers.get(i).setLevel(levels.get(i));
            }
        }
    }
}
