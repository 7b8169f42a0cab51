package dev.hermesfront.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path home;

    private ConfigLoader.Loaded load(Map<String, List<String>> flags, Map<String, String> env) {
        return ConfigLoader.load(new ConfigLoader.Input(flags, env, home, false, true, () -> "random-token"));
    }

    private static String source(ConfigLoader.Loaded l, String key) {
        return l.values().stream().filter(v -> v.key().equals(key)).findFirst().orElseThrow().source();
    }

    private static String value(ConfigLoader.Loaded l, String key) {
        return l.values().stream().filter(v -> v.key().equals(key)).findFirst().orElseThrow().value();
    }

    private Path yaml(String text) throws IOException {
        Path f = home.resolve("front.yaml");
        Files.writeString(f, text);
        return f;
    }

    private void dotEnv(Path hermesHome, String text) throws IOException {
        Files.createDirectories(hermesHome);
        Files.writeString(hermesHome.resolve(".env"), text);
    }

    @Test
    void appliesFlagsOverEnvOverFileOverDotEnvOverDefaults() throws IOException {
        dotEnv(home.resolve(".hermes"), "API_SERVER_KEY=sk-from-dotenv-0123456789\nAPI_SERVER_PORT=8700\n");
        Path f = yaml("listen: 127.0.0.1:9300\napi:\n  key: sk-from-yaml-0123456789\ntimeouts:\n  idle: PT3M\n");
        ConfigLoader.Loaded l = load(Map.of("config", List.of(f.toString()), "listen", List.of("127.0.0.1:9400")),
                Map.of("HERMES_FRONT_LISTEN", "127.0.0.1:9500", "HERMES_FRONT_IDLE_TIMEOUT", "PT4M"));
        assertEquals(9400, l.gateway().listen().address().getPort());
        assertEquals("flag --listen", source(l, "listen"));
        assertEquals(Duration.ofMinutes(4), l.gateway().upstreams().api().orElseThrow().idleTimeout());
        assertEquals("env HERMES_FRONT_IDLE_TIMEOUT", source(l, "timeouts.idle"));
        assertEquals("sk-from-yaml-0123456789", l.gateway().upstreams().api().orElseThrow().credential().orElseThrow().reveal());
        assertTrue(source(l, "api.key").startsWith("file " + f), source(l, "api.key"));
        assertEquals("http://127.0.0.1:8700", l.gateway().upstreams().api().orElseThrow().uri().toString(), "port from .env");
        assertTrue(source(l, "api.upstream").contains(".env"));
        assertEquals(Duration.ofMinutes(30), l.gateway().upstreams().api().orElseThrow().responseTimeout());
        assertEquals("default", source(l, "timeouts.response"));
    }

    @Test
    void findsTheApiKeyInTheEnvironmentThenInHermesHomeDotEnv() throws IOException {
        Path hermesHome = home.resolve("profiles/work");
        dotEnv(hermesHome, "API_SERVER_KEY=sk-profile-key-0123456789\n");
        ConfigLoader.Loaded fromFile = load(Map.of(), Map.of("HERMES_HOME", hermesHome.toString()));
        assertEquals("sk-profile-key-0123456789", fromFile.gateway().upstreams().api().orElseThrow().credential().orElseThrow().reveal());
        assertEquals(".env " + hermesHome.resolve(".env") + " (API_SERVER_KEY)", source(fromFile, "api.key"));
        ConfigLoader.Loaded fromEnv = load(Map.of(), Map.of("HERMES_HOME", hermesHome.toString(), "API_SERVER_KEY", "sk-env-key-0123456789"));
        assertEquals("sk-env-key-0123456789", fromEnv.gateway().upstreams().api().orElseThrow().credential().orElseThrow().reveal());
        assertTrue(fromEnv.notes().stream().anyMatch(n -> n.contains("differs")), fromEnv.notes().toString());
    }

    @Test
    void saysWhenTheKeyIsInTheWrongDotEnv() throws IOException {
        dotEnv(home.resolve(".hermes"), "API_SERVER_KEY=sk-in-default-home-0123456789\n");
        Path elsewhere = home.resolve("elsewhere");
        ConfigLoader.Loaded l = load(Map.of(), Map.of("HERMES_HOME", elsewhere.toString()));
        assertTrue(l.gateway().upstreams().api().isEmpty(), "no key where Hermes looks: REST proxy off");
        assertTrue(l.notes().stream().anyMatch(n -> n.contains("31144")), l.notes().toString());
    }

    @Test
    void turnsTheRestProxyOffWithoutAKeyUnlessAnUpstreamIsNamed() {
        ConfigLoader.Loaded l = load(Map.of(), Map.of());
        assertTrue(l.gateway().upstreams().api().isEmpty());
        assertEquals("off", value(l, "api.upstream"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(Map.of("api.upstream", List.of("http://127.0.0.1:8642")), Map.of()));
        assertTrue(e.getMessage().contains("api.key"), e.getMessage());
        ConfigLoader.Loaded off = load(Map.of("api.upstream", List.of("off")), Map.of("API_SERVER_KEY", "sk-0123456789abcdef"));
        assertTrue(off.gateway().upstreams().api().isEmpty());
    }

    @Test
    void demoProxiesOnlyWhenAskedTo() {
        ConfigLoader.Loaded demo = ConfigLoader.load(new ConfigLoader.Input(Map.of(), Map.of("API_SERVER_KEY", "sk-0123456789abcdef"),
                home, false, false, () -> "t"));
        assertTrue(demo.gateway().upstreams().api().isEmpty());
    }

    @Test
    void readsCredentialsBasicUsersAndAllowlistsFromYaml() throws IOException {
        Path secretFile = home.resolve("laptop.token");
        Files.writeString(secretFile, "from-file-token-0123456789\n");
        Path f = yaml(String.join("\n",
                "listen: 100.64.0.2:9121",
                "allowed_hosts: [Box.Tailnet.ts.net]",
                "allowed_origins: [\"null\", https://app.example]",
                "credentials:",
                "  - {name: laptop, token_file: " + secretFile + ", scope: chat}",
                "  - {name: phone, token_env: PHONE_TOKEN}",
                "  - name: coordinator",
                "    basic: {user: coord, password_env: COORD_PW}",
                "    scope: read"));
        ConfigLoader.Loaded l = load(Map.of("config", List.of(f.toString())), Map.of("PHONE_TOKEN", "phone-token-0123456789", "COORD_PW", "pw-0123456789abcdef"));
        Credentials c = l.gateway().auth().credentials();
        assertEquals("laptop", c.matchToken("from-file-token-0123456789").orElseThrow().name());
        assertEquals(Scope.CHAT, c.matchToken("from-file-token-0123456789").orElseThrow().scope());
        assertEquals("phone", c.matchToken("phone-token-0123456789").orElseThrow().name());
        assertEquals(Scope.READ, c.matchBasic("coord", "pw-0123456789abcdef").orElseThrow().scope());
        assertEquals(Set.of("box.tailnet.ts.net"), l.gateway().listen().allowedHosts());
        assertEquals(Set.of("null", "https://app.example"), l.gateway().listen().allowedOrigins());
        assertFalse(l.generatedToken());
    }

    @Test
    void stopsOnBadValuesNamingTheKeyAndTheExpectedForm() throws IOException {
        assertMessage(() -> load(Map.of("listen", List.of("x:abc")), Map.of()), "--listen", "host:port");
        assertMessage(() -> load(Map.of(), Map.of("HERMES_FRONT_API_UPSTREAM", "ftp://x")), "HERMES_FRONT_API_UPSTREAM", "http://HOST:PORT");
        assertMessage(() -> load(Map.of("timeouts.idle", List.of("soon")), Map.of()), "--idle-timeout", "ISO-8601");
        assertMessage(() -> load(Map.of("basic_users", List.of("nopassword")), Map.of()), "--basic-user", "NAME:PASSWORD");
        assertMessage(() -> load(Map.of("max_body_bytes", List.of("lots")), Map.of()), "--max-body-bytes", "number of bytes");
        Path typo = yaml("api:\n  upstrem: http://127.0.0.1:8642\n");
        assertMessage(() -> load(Map.of("config", List.of(typo.toString())), Map.of()), typo + ":2: unknown key \"upstrem\" under api",
                "(did you mean upstream?)");
        Path badCred = yaml("credentials:\n  - {name: x, token_env: NOT_SET}\n");
        assertMessage(() -> load(Map.of("config", List.of(badCred.toString())), Map.of()), "credentials[0].token_env", "environment variable");
        assertMessage(() -> load(Map.of("config", List.of(home.resolve("missing.yaml").toString())), Map.of()), "config", "readable YAML");
    }

    @Test
    void refusesANonLoopbackBindWithoutACredential() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("listen", List.of("0.0.0.0:9121")), Map.of()));
        assertTrue(e.getMessage().contains("without a credential"), e.getMessage());
        ConfigLoader.Loaded loopback = load(Map.of(), Map.of());
        assertTrue(loopback.generatedToken());
    }

    @Test
    void redactsEverySecretInTheReport() {
        ConfigLoader.Loaded l = load(Map.of("token", List.of("front-secret-token"), "basic_users", List.of("coord:hunter2-pass"),
                "dashboard.upstream", List.of("http://127.0.0.1:9119")),
                Map.of("API_SERVER_KEY", "sk-secret-api-key-0123", "HERMES_DASHBOARD_SESSION_TOKEN", "dash-secret-tok"));
        String report = l.values().toString();
        for (String secret : List.of("front-secret-token", "hunter2-pass", "sk-secret-api-key-0123", "dash-secret-tok")) {
            assertFalse(report.contains(secret), "leaked " + secret + " in " + report);
        }
        assertEquals("env HERMES_DASHBOARD_SESSION_TOKEN", source(l, "dashboard.token"));
        assertTrue(value(l, "api.key").startsWith("<redacted"));
    }

    @Test
    void readsTuiSettingsFromFlagsEnvAndFile() throws IOException {
        Path f = yaml("tui:\n  park_window: 5m\n  max_agents: 7\n  ping_loopback: true\n");
        ConfigLoader.Loaded l = load(Map.of("config", List.of(f.toString()), "tui.park_buffer_frames", List.of("42")),
                Map.of("HERMES_FRONT_PING_INTERVAL", "500ms"));
        var tui = l.gateway().tui();
        assertEquals(java.time.Duration.ofMinutes(5), tui.parking().window());
        assertEquals(42, tui.parking().maxFrames());
        assertEquals(7, tui.maxAgents());
        assertEquals(java.time.Duration.ofMillis(500), tui.pingInterval());
        assertTrue(tui.pingLoopback());
        assertEquals("flag --park-buffer-frames", source(l, "tui.park_buffer_frames"));
        assertEquals("env HERMES_FRONT_PING_INTERVAL", source(l, "tui.ping_interval"));
        assertEquals("default", source(l, "tui.agent_ready_timeout"));
        assertFalse(load(Map.of("tui.park_window", List.of("0")), Map.of()).gateway().tui().parking().enabled());
        assertMessage(() -> load(Map.of("tui.park_window", List.of("soon")), Map.of()), "--park-window", "2m");
        assertMessage(() -> load(Map.of("tui.ping_loopback", List.of("yes")), Map.of()), "--ping-loopback", "true or false");
    }

    @Test
    void bridgesToADashboardWithAgentWsAndItsTokenFromTheEnvironment() {
        ConfigLoader.Loaded l = ConfigLoader.load(new ConfigLoader.Input(Map.of("agent.ws", List.of("ws://127.0.0.1:9119/api/ws")),
                Map.of("HERMES_DASHBOARD_SESSION_TOKEN", "dash-tok-123"), home, true, false, () -> "random-token"));
        AgentConfig a = l.agent().orElseThrow();
        assertEquals("ws://127.0.0.1:9119/api/ws", a.ws().orElseThrow().toString());
        assertTrue(a.wsToken().orElseThrow().matches("dash-tok-123"));
        assertFalse(l.values().toString().contains("dash-tok-123"));
        assertMessage(() -> ConfigLoader.load(new ConfigLoader.Input(Map.of("agent.ws", List.of("http://x:1/api/ws"),
                "agent.cmd", List.of("python -m x")), Map.of(), home, true, false, () -> "t")), "agent.cmd and agent.ws", "not both");
        assertMessage(() -> ConfigLoader.load(new ConfigLoader.Input(Map.of("agent.ws", List.of("http://127.0.0.1:9119/api/ws")),
                Map.of(), home, true, false, () -> "t")), "--agent-ws", "ws:// URL");
    }

    @Test
    void readsThePeerMapWithSecretsFromTheEnvironmentAndRedactsThem() throws IOException {
        Path f = yaml("peers:\n"
                + "  - {name: studio, url: \"http://100.64.0.2:9121\", token_env: STUDIO_TOKEN}\n"
                + "  - {name: mini-2, url: \"http://mini.tailnet.ts.net:9121\", basic: {user: coord, password: pw-secret-1}, timeout: 30s}\n"
                + "peer_probe_interval: 2s\n");
        ConfigLoader.Loaded l = load(Map.of("config", List.of(f.toString())), Map.of("STUDIO_TOKEN", "studio-secret-token"));
        var peers = l.gateway().peers();
        assertEquals(2, peers.peers().size());
        assertEquals("studio", peers.peers().get(0).name());
        assertEquals("Bearer studio-secret-token", peers.peers().get(0).credential().authorization());
        assertEquals(java.time.Duration.ofSeconds(30), peers.peers().get(1).timeout());
        assertEquals(java.time.Duration.ofMinutes(5), peers.peers().get(0).timeout());
        assertEquals(java.time.Duration.ofSeconds(2), peers.probeInterval());
        assertTrue(peers.peers().get(1).credential().authorization().startsWith("Basic "));
        String printed = l.values().toString() + peers;
        assertFalse(printed.contains("studio-secret-token") || printed.contains("pw-secret-1"), printed);
    }

    @Test
    void refusesBadPeerEntries() throws IOException {
        Path bad = yaml("peers:\n  - {name: Studio, url: \"http://10.0.0.2:9121\", token: t}\n");
        assertMessage(() -> load(Map.of("config", List.of(bad.toString())), Map.of()), "peers[0].name", "[a-z0-9][a-z0-9-]*");
        Path dup = yaml("peers:\n  - {name: a, url: \"http://10.0.0.2:9121\", token: t}\n  - {name: a, url: \"http://10.0.0.3:9121\", token: t}\n");
        assertMessage(() -> load(Map.of("config", List.of(dup.toString())), Map.of()), "peers[1].name", "not used by another peer");
        Path noCred = yaml("peers:\n  - {name: a, url: \"http://10.0.0.2:9121\"}\n");
        assertMessage(() -> load(Map.of("config", List.of(noCred.toString())), Map.of()), "peers[0]", "exactly one of token");
        Path badUrl = yaml("peers:\n  - {name: a, url: \"https://10.0.0.2\", token: t}\n");
        assertMessage(() -> load(Map.of("config", List.of(badUrl.toString())), Map.of()), "peers[0].url", "http://HOST:PORT");
        Path unknownKey = yaml("peers:\n  - {name: a, url: \"http://10.0.0.2:9121\", token: t, secret: x}\n");
        assertMessage(() -> load(Map.of("config", List.of(unknownKey.toString())), Map.of()), unknownKey + ":2: unknown key \"secret\" under peers[0]",
                "known keys: basic, name, timeout, token, token_env, token_file, url");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String key, String expected) {
        ConfigException ex = assertThrows(ConfigException.class, e);
        assertTrue(ex.getMessage().contains(key) && ex.getMessage().contains(expected), ex.getMessage());
    }
}
