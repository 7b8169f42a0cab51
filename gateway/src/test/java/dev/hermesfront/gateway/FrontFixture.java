package dev.hermesfront.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** The real gateway, in-process on 127.0.0.1:0 with the demo agent, plus a JDK HttpClient. */
public final class FrontFixture implements AutoCloseable {
    public static final String TOKEN = "front-token-0123456789";
    public static final String BASIC_USER = "coord";
    public static final String BASIC_PASSWORD = "pa:ss-word";
    public static final String API_KEY = "sk-inner-api-key-0123456789";

    public final GatewayServer server;
    public final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FrontFixture(GatewayConfig config) throws Exception {
        server = GatewayServer.builder(config, new DemoLauncher(new ObjectMapper(), new FrameCodec())).build().start();
    }

    /** Returns a loopback config with one token and one Basic user, and no upstreams. */
    public static GatewayConfig baseConfig() {
        return GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Credentials.of(List.of(
                new Credential.Token("laptop", Secret.of(TOKEN), "admin"),
                new Credential.Basic("coordinator", BASIC_USER, Secret.of(BASIC_PASSWORD), "admin"))));
    }

    public int port() {
        return server.port();
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    public HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10));
    }

    public HttpResponse<String> send(HttpRequest req) throws IOException, InterruptedException {
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String pathAndQuery, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(pathAndQuery).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    public static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.close();
    }
}
