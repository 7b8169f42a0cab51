package dev.hermesfront.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.FrontFixture;
import dev.hermesfront.gateway.RawHttp;
import dev.hermesfront.gateway.config.AuthSettings;
import dev.hermesfront.gateway.config.Cidr;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.ProxyIdentity;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity header of a trusted proxy: from 127.0.0.1 (trusted) it is the request's credential; from
 * 127.0.0.2 (the same machine, another address: the test binds its client there) it is ignored; it never
 * reaches the upstream; it counts as the request's one credential; audit lines carry the identity.
 */
class ProxyIdentityTest {
    static final String HEADER = "Tailscale-User-Login";
    @TempDir
    Path dir;
    private FakeUpstream api;
    private FrontFixture front;
    private Path audit;

    @BeforeEach
    void start() throws Exception {
        api = new FakeUpstream();
        audit = dir.resolve("audit.jsonl");
        GatewayConfig base = GatewayConfig.of(new InetSocketAddress("0.0.0.0", 0), Credentials.of(List.of(
                new Credential.Token("laptop", Secret.of("laptop-token-0123456789"), "admin"),
                new Credential.Login("alice", "alice@example.com", "chat"),
                new Credential.Login("bob", "bob@example.com", "read"))));
        UpstreamConfig up = UpstreamConfig.of(api.uri(), Secret.of(FrontFixture.API_KEY)).withTimeouts(Duration.ofSeconds(5),
                Duration.ofSeconds(30), Duration.ofSeconds(30));
        front = new FrontFixture(ConfigEdit.edit(base).upstreams(up, null).audit(audit)
                .set(dev.hermesfront.gateway.config.Settings.AUDIT_LOG_MAX_BYTES, 1L << 20)
                .set(dev.hermesfront.gateway.config.Settings.AUDIT_LOG_KEEP, 1L).get()
                .withAuth(new AuthSettings(base.auth().credentials(), new ProxyIdentity(Optional.of(HEADER), List.of(Cidr.parse("t", "127.0.0.1/32")))))
                .withRemote(dev.hermesfront.gateway.config.RemoteSettings.none().withInsecurePlaintext()));
    }

    @AfterEach
    void stop() {
        front.close();
        api.close();
    }

    /** Sends a raw request from {@code from} and returns the response. */
    private String from(String from, String headers) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), front.port()), 5000);
            s.setSoTimeout(10_000);
            OutputStream o = s.getOutputStream();
            o.write(("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + "\r\n").getBytes(StandardCharsets.UTF_8));
            o.flush();
            InputStream in = s.getInputStream();
            return RawHttp.readAll(in);
        }
    }

    @Test
    void theHeaderAuthenticatesFromATrustedAddressOnly() throws Exception {
        assertEquals(200, RawHttp.status(from("127.0.0.1", HEADER + ": alice@example.com\r\n")));
        FakeUpstream.Seen seen = api.next();
        assertNull(seen.header(HEADER), "the identity header never reaches the upstream");
        assertEquals(401, RawHttp.status(from("127.0.0.2", HEADER + ": alice@example.com\r\n")), "an untrusted address's header is ignored");
        assertEquals(401, RawHttp.status(from("127.0.0.1", HEADER + ": mallory@example.com\r\n")), "an unknown identity");
        assertEquals(401, RawHttp.status(from("127.0.0.1", "")), "no header, no credential");
    }

    @Test
    void theHeaderFromAnUntrustedAddressIsStrippedEvenWhenAnotherCredentialIsUsed() throws Exception {
        assertEquals(200, RawHttp.status(from("127.0.0.2", HEADER + ": alice@example.com\r\nAuthorization: Bearer laptop-token-0123456789\r\n")));
        assertNull(api.next().header(HEADER));
    }

    @Test
    void theIdentityIsTheRequestsOneCredentialAndItsScopeApplies() throws Exception {
        String both = from("127.0.0.1", HEADER + ": alice@example.com\r\nAuthorization: Bearer laptop-token-0123456789\r\n");
        assertEquals(400, RawHttp.status(both), both);
        assertTrue(both.contains("several_credentials"));
        // bob is read-only: a chat completion needs chat.
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            s.connect(new InetSocketAddress("127.0.0.1", front.port()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + HEADER
                    + ": Bob@Example.com\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.UTF_8));
            assertEquals(403, RawHttp.status(RawHttp.readAll(s.getInputStream())));
        }
    }

    @Test
    void auditLinesCarryTheIdentity() throws Exception {
        assertEquals(401, RawHttp.status(from("127.0.0.1", HEADER + ": mallory@example.com\r\n")));
        front.close();
        String lines = Files.readString(audit);
        assertTrue(lines.contains("\"identity\":\"mallory@example.com\""), lines);
    }
}
