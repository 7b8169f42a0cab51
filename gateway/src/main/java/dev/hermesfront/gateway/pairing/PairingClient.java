package dev.hermesfront.gateway.pairing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.gateway.state.StateDir;
import dev.hermesfront.gateway.tls.PemFiles;
import dev.hermesfront.gateway.tls.ServerTls;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

/**
 * {@code hermes-front pair} and {@code hermes-front devices}: talk to the running front found from the same settings
 * as {@code serve} (its listen address, TLS and state directory), authenticated with the state directory's local admin
 * credential ({@code local-admin-token}, 0600, written by the running front). Over TLS the client trusts exactly the
 * configured certificate and does not check its host name (it dials its own front by address, not by the name the
 * certificate carries).
 */
public final class PairingClient {
    private final GatewayConfig config;
    private final HttpClient.Builder http;
    private final PrintStream out;
    private final ObjectMapper mapper;

    /**
     * @param http   the command's HTTP client builder (the caller's Pools.http on a named command thread: pairing does not
     *               depend on the gateway package); over TLS this client sets its pinned context on it
     * @param mapper the command's one ObjectMapper
     */
    public PairingClient(GatewayConfig config, HttpClient.Builder http, PrintStream out, ObjectMapper mapper) {
        this.config = config;
        this.http = http;
        this.out = out;
        this.mapper = mapper;
    }

    /** Mints a code and prints it, the pairing URL and its QR code. Returns the exit code. */
    public int pair(String scope, String name, String ttl) throws IOException, InterruptedException {
        ObjectNode req = mapper.createObjectNode();
        if (scope != null) {
            req.put("scope", scope);
        }
        if (name != null) {
            req.put("name", name);
        }
        if (ttl != null) {
            req.put("ttl", ttl);
        }
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(PairingRoutes.CODES)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(req.toString())));
        if (r.statusCode() != 201) {
            return refused(r);
        }
        JsonNode m = mapper.readTree(r.body());
        String code = m.path("code").asText();
        String url = m.path("url").asText();
        long minutes = Math.max(1, Math.round(m.path("expires_in").asLong() / 60.0));
        out.println("Pairing code: " + code + "  (single use, valid " + minutes + " min, scope " + m.path("scope").asText()
                + (name == null ? "" : ", device " + name) + ")");
        out.println();
        out.println("On the phone: scan this. On a laptop: open the link; the page shows the line that attaches the TUI.");
        out.println();
        out.print(PairingQr.of(url).terminal());
        out.println();
        out.println(url);
        out.flush();
        return 0;
    }

    /** Lists the paired devices. */
    public int list() throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(PairingRoutes.DEVICES)).GET());
        if (r.statusCode() != 200) {
            return refused(r);
        }
        JsonNode devices = mapper.readTree(r.body()).path("devices");
        if (devices.isEmpty()) {
            out.println("no paired devices (hermes-front pair adds one)");
            return 0;
        }
        out.printf("%-20s %-6s %-20s %-24s %s%n", "NAME", "SCOPE", "PAIRED BY", "LAST SEEN", "FROM");
        for (JsonNode d : devices) {
            out.printf("%-20s %-6s %-20s %-24s %s%n", d.path("name").asText(), d.path("scope").asText(), d.path("pairer").asText(),
                    d.path("last_seen").asText("-"), d.path("last_address").asText("-"));
        }
        out.flush();
        return 0;
    }

    /** Revokes the device {@code name}. */
    public int revoke(String name) throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(PairingRoutes.DEVICES + "/" + URLEncoder.encode(name,
                StandardCharsets.UTF_8))).DELETE());
        if (r.statusCode() != 204) {
            return refused(r);
        }
        out.println("revoked " + name + ": its connections are closed (4403), its agents stopped, its token refused from now on");
        out.flush();
        return 0;
    }

    private int refused(HttpResponse<String> r) {
        String message = r.body();
        try {
            message = mapper.readTree(r.body()).path("error").path("message").asText(r.body());
        } catch (IOException e) {
            // not JSON: show it as it is
        }
        System.err.println("hermes-front: the front answered " + r.statusCode() + ": " + message);
        return 1;
    }

    /** The running front's base URL: the listen address (a wildcard bind is dialled on loopback). */
    URI uri(String path) {
        InetSocketAddress a = config.listen().address();
        InetAddress host = a.getAddress();
        if (host.isAnyLocalAddress()) {
            host = InetAddress.getLoopbackAddress();
        }
        String h = ListenAddress.format(new InetSocketAddress(host, a.getPort()));
        return URI.create((config.remote().tls() ? "https://" : "http://") + h + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        if (config.remote().stateDir().isEmpty()) {
            throw new ConfigException("state_dir: pairing needs the front's state directory");
        }
        StateDir state = StateDir.open(config.remote().stateDir().get());
        if (!Files.exists(state.file(LocalCredential.FILE))) {
            throw new ConfigException("no running front uses " + state.path() + " (no local-admin-token there): start it with "
                    + "hermes-front serve and the same settings (--config, HERMES_FRONT_*, --state-dir)");
        }
        String token = state.read(LocalCredential.FILE).orElse("").strip();
        HttpClient.Builder cb = http;
        if (config.remote().tls()) {
            // Pinned to the configured certificate, so the host name it carries need not match the address dialled.
            System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
            cb.sslContext(ServerTls.trusting(PemFiles.readChain(config.remote().tlsCert().get())));
        }
        try {
            return cb.build().send(b.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(15)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new ConfigException("no front answers at " + uri("") + ": start it with hermes-front serve and the same settings");
        }
    }
}
