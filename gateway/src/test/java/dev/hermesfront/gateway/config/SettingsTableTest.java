package dev.hermesfront.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The settings table is the one declaration: every row works as a flag, a variable and a YAML key, a
 * misspelt key anywhere in the file fails naming the file, the line and the nearest key, and
 * docs/configuration.md lists exactly the table.
 */
class SettingsTableTest {
    @TempDir
    Path home;

    /** A valid value for each row, and the settings it needs beside it to be used at all. */
    static final Map<String, String> SAMPLE = new LinkedHashMap<>();
    static final Map<String, Map<String, String>> COMPANIONS = new HashMap<>();

    static {
        SAMPLE.put("listen", "127.0.0.1:9333");
        SAMPLE.put("token", "sample-token-0123456789");
        SAMPLE.put("basic_users", "coord:pw-0123456789abcdef");
        SAMPLE.put("allowed_hosts", "box.tailnet.ts.net");
        SAMPLE.put("allowed_origins", "https://app.example");
        SAMPLE.put("max_body_bytes", "12345");
        SAMPLE.put("max_message_bytes", "54321");
        SAMPLE.put("limits.outbound_high_water", "20000");
        SAMPLE.put("limits.outbound_limit", "8388608");
        SAMPLE.put("hermes_home", "/tmp/hermes-home-sample");
        SAMPLE.put("api.upstream", "http://127.0.0.1:18642");
        SAMPLE.put("api.key", "sk-sample-key-0123456789");
        SAMPLE.put("dashboard.upstream", "http://127.0.0.1:19119");
        SAMPLE.put("dashboard.token", "dash-sample-0123456789");
        SAMPLE.put("timeouts.connect", "3s");
        SAMPLE.put("timeouts.response", "40m");
        SAMPLE.put("timeouts.idle", "3m");
        SAMPLE.put("agent.cmd", "python -m tui_gateway.entry");
        SAMPLE.put("agent.ws", "ws://127.0.0.1:9119/api/ws");
        SAMPLE.put("agent.ws_ticket", "true");
        SAMPLE.put("agent.cwd", "/tmp");
        SAMPLE.put("agent.env", "HERMES_HOME=/srv/hermes");
        SAMPLE.put("agent.stop_grace", "7");
        SAMPLE.put("agent.exit_drain", "3s");
        SAMPLE.put("agent.max_line_bytes", "1048576");
        SAMPLE.put("tui.park_window", "90s");
        SAMPLE.put("tui.park_buffer_frames", "77");
        SAMPLE.put("tui.park_buffer_bytes", "7777");
        SAMPLE.put("tui.max_agents", "9");
        SAMPLE.put("tui.agents_per_credential", "6");
        SAMPLE.put("tui.agents_per_read_credential", "2");
        SAMPLE.put("limits.max_connections", "5000");
        SAMPLE.put("limits.connections_per_address", "64");
        SAMPLE.put("limits.handshake_timeout", "4s");
        SAMPLE.put("tui.memory_budget", "33554432");
        SAMPLE.put("tui.spawn_burst", "3");
        SAMPLE.put("tui.ws_engine", "jakarta");
        SAMPLE.put("tui.spawn_per_second", "3");
        SAMPLE.put("tui.shares_per_credential", "7");
        SAMPLE.put("tui.shares_per_agent", "3");
        SAMPLE.put("tui.agent_ready_timeout", "45s");
        SAMPLE.put("tui.ping_interval", "10s");
        SAMPLE.put("tui.ping_loopback", "true");
        SAMPLE.put("tui.client_stall", "12s");
        SAMPLE.put("audit_log", "/tmp/audit-sample.jsonl");
        SAMPLE.put("audit_log_max_bytes", "2048");
        SAMPLE.put("audit_log_keep", "2");
        SAMPLE.put("record", "/tmp/record-sample");
        SAMPLE.put("limits.auth_failures", "4");
        SAMPLE.put("limits.auth_window", "30s");
        SAMPLE.put("limits.lockout", "2m");
        SAMPLE.put("limits.rest_per_second", "5");
        SAMPLE.put("limits.rest_burst", "6");
        SAMPLE.put("limits.ws_per_second", "7");
        SAMPLE.put("limits.ws_burst", "8");
        SAMPLE.put("limits.health_per_second", "3");
        SAMPLE.put("limits.health_burst", "4");
        SAMPLE.put("pools.io_threads", "3");
        SAMPLE.put("pools.worker_threads", "32");
        SAMPLE.put("pools.timer_threads", "1");
        SAMPLE.put("pools.client_threads", "2");
        SAMPLE.put("peer_probe_interval", "4s");
        SAMPLE.put("peer_timeout", "6m");
        SAMPLE.put("trusted_proxies", "127.0.0.1/32");
        SAMPLE.put("identity_header", "Tailscale-User-Login");
        SAMPLE.put("log_format", "json");
        SAMPLE.put("log_levels", "io.undertow=DEBUG");
        SAMPLE.put("tls.cert", "/etc/passwd");
        SAMPLE.put("tls.key", "/etc/passwd");
        SAMPLE.put("insecure_plaintext", "true");
        SAMPLE.put("public_url", "https://box.tail1234.ts.net:9121");
        SAMPLE.put("state_dir", "/tmp/front-state-sample");
        SAMPLE.put("notify.webhook", "http://127.0.0.1:18080/hook");
        SAMPLE.put("notify.ntfy", "https://ntfy.example/topic-sample");
        SAMPLE.put("notify.secret", "notify-secret-0123456789");
        SAMPLE.put("notify.after", "45s");
        COMPANIONS.put("tls.cert", Map.of("tls.key", "/etc/passwd"));
        COMPANIONS.put("tls.key", Map.of("tls.cert", "/etc/passwd"));
        COMPANIONS.put("api.key", Map.of("api.upstream", "http://127.0.0.1:18642"));
        COMPANIONS.put("api.upstream", Map.of("api.key", "sk-sample-key-0123456789"));
        COMPANIONS.put("dashboard.token", Map.of("dashboard.upstream", "http://127.0.0.1:19119"));
        COMPANIONS.put("agent.ws_ticket", Map.of("agent.ws", "ws://127.0.0.1:9119/api/ws", "dashboard.token", "dash-sample-0123456789"));
        COMPANIONS.put("agent.cwd", Map.of("agent.cmd", "cat"));
        COMPANIONS.put("identity_header", Map.of("trusted_proxies", "100.64.0.0/10"));
        COMPANIONS.put("agent.env", Map.of("agent.cmd", "cat"));
        COMPANIONS.put("agent.stop_grace", Map.of("agent.cmd", "cat"));
        COMPANIONS.put("agent.exit_drain", Map.of("agent.cmd", "cat"));
        COMPANIONS.put("agent.max_line_bytes", Map.of("agent.cmd", "cat"));
    }

    static Stream<Arguments> rows() {
        return Settings.TABLE.stream().filter(s -> s != Settings.CONFIG).map(s -> Arguments.of(s.key()));
    }

    @Test
    void everyRowHasASample() {
        for (Setting<?> s : Settings.TABLE) {
            if (s != Settings.CONFIG) {
                assertNotNull(sample(s.key()), "add a sample value to SAMPLE for the new setting " + s.key()
                        + " (a number, duration or switch with a default gets one from it)");
            }
        }
    }

    /**
     * A value for row {@code key} that is not its default: the one in {@link #SAMPLE}, else, for a switch, {@code true},
     * and for a number or a duration with a default, one more than it (so that an ordinary new row needs nothing here).
     * Null when there is none.
     */
    static String sample(String key) {
        if (SAMPLE.containsKey(key)) {
            return SAMPLE.get(key);
        }
        Setting<?> s = Settings.byKey(key).orElseThrow();
        if (s.shape() == Setting.Shape.SWITCH) {
            return "true";
        }
        Object d;
        try {
            d = s.defaultValue();
        } catch (IllegalStateException e) {
            return null;
        }
        String next = d instanceof Long n ? Long.toString(n + 1) : d instanceof Double x ? Double.toString(x + 1)
                : d instanceof java.time.Duration t ? (t.toMillis() + 1000) + "ms" : null;
        try {
            return next != null && !s.parse(key, next).equals(d) ? next : null;
        } catch (ConfigException e) {
            return null;
        }
    }

    private ConfigLoader.Loaded load(Map<String, List<String>> flags, Map<String, String> env) {
        return ConfigLoader.load(new ConfigLoader.Input(flags, env, home, false, false, () -> "random-token"));
    }

    private static String source(ConfigLoader.Loaded l, String key) {
        return l.values().stream().filter(v -> v.key().equals(key)).map(ConfigValue::source).findFirst()
                .orElseThrow(() -> new AssertionError("no value for " + key + " in " + l.values()));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void worksAsAFlag(String key) {
        Setting<?> s = Settings.byKey(key).orElseThrow();
        Map<String, List<String>> flags = new HashMap<>();
        COMPANIONS.getOrDefault(key, Map.of()).forEach((k, v) -> flags.put(k, List.of(v)));
        flags.put(key, List.of(sample(key)));
        assertEquals("flag " + s.flag(), source(load(flags, Map.of()), key));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void worksAsAVariable(String key) {
        Setting<?> s = Settings.byKey(key).orElseThrow();
        Map<String, String> env = new HashMap<>();
        COMPANIONS.getOrDefault(key, Map.of()).forEach((k, v) -> env.put(Settings.byKey(k).orElseThrow().env(), v));
        env.put(s.env(), sample(key));
        assertEquals("env " + s.env(), source(load(Map.of(), env), key));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void worksAsAYamlKey(String key) throws IOException {
        Map<String, String> all = new LinkedHashMap<>(COMPANIONS.getOrDefault(key, Map.of()));
        all.put(key, sample(key));
        Path f = home.resolve("front.yaml");
        Files.writeString(f, yaml(all));
        ConfigLoader.Loaded l = load(Map.of("config", List.of(f.toString())), Map.of());
        assertTrue(source(l, key).startsWith("file " + f + ":"), source(l, key));
    }

    /** Writes dotted keys as nested YAML, one section per prefix; list settings as one-element lists. */
    private static String yaml(Map<String, String> values) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            int dot = e.getKey().indexOf('.');
            String section = dot < 0 ? "" : e.getKey().substring(0, dot);
            sections.computeIfAbsent(section, k -> new LinkedHashMap<>()).put(e.getKey().substring(dot + 1), e.getValue());
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Map<String, String>> sec : sections.entrySet()) {
            String indent = sec.getKey().isEmpty() ? "" : "  ";
            if (!sec.getKey().isEmpty()) {
                b.append(sec.getKey()).append(":\n");
            }
            for (Map.Entry<String, String> e : sec.getValue().entrySet()) {
                String full = sec.getKey().isEmpty() ? e.getKey() : sec.getKey() + "." + e.getKey();
                boolean list = Settings.byKey(full).orElseThrow().list();
                b.append(indent).append(e.getKey()).append(": ").append(list ? "[\"" + e.getValue() + "\"]" : "\"" + e.getValue() + "\"")
                        .append('\n');
            }
        }
        return b.toString();
    }

    @ParameterizedTest
    @MethodSource("typos")
    void aMisspeltKeyAnywhereFailsNamingTheFileTheLineAndTheNearestKey(String text, int line, String key, String under, String near)
            throws IOException {
        Path f = home.resolve("typo.yaml");
        Files.writeString(f, text);
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("config", List.of(f.toString())), Map.of()));
        String expected = f + ":" + line + ": unknown key \"" + key + "\"" + (under.isEmpty() ? "" : " under " + under)
                + " (did you mean " + near + "?)";
        assertEquals(expected, e.getMessage());
    }

    static Stream<Arguments> typos() {
        return Stream.of(
                Arguments.of("listen: 127.0.0.1:1\nlisen: x\n", 2, "lisen", "", "listen"),
                Arguments.of("tui:\n  park_windw: 2m\n", 2, "park_windw", "tui", "park_window"),
                Arguments.of("limits:\n  ws_brust: 3\n", 2, "ws_brust", "limits", "ws_burst"),
                Arguments.of("timeouts:\n  idel: 1s\n", 2, "idel", "timeouts", "idle"),
                Arguments.of("api:\n  upstream: off\n  kye: x\n", 3, "kye", "api", "key"),
                Arguments.of("dashboard:\n  tokn: x\n", 2, "tokn", "dashboard", "token"),
                Arguments.of("agent:\n  cdw: /tmp\n", 2, "cdw", "agent", "cwd"),
                Arguments.of("credentials:\n  - name: a\n    tokn: x\n", 3, "tokn", "credentials[0]", "token"),
                Arguments.of("credentials:\n  - name: a\n    basic: {user: u, pasword: x}\n", 3, "pasword", "credentials[0].basic", "password"),
                Arguments.of("peers:\n  - {name: a, url: \"http://10.0.0.2:1\", token: t, timout: 1s}\n", 2, "timout", "peers[0]", "timeout"),
                Arguments.of("audit_logg: /tmp/x\n", 1, "audit_logg", "", "audit_log"));
    }

    @Test
    void docsListExactlyTheTable() throws IOException {
        Path docs = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/configuration.md");
        String text = Files.readString(docs);
        String begin = "<!-- settings table: generated from Settings.TABLE, checked by SettingsTableTest -->\n";
        String end = "<!-- end of settings table -->";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        assertTrue(from >= 0 && to > from, "docs/configuration.md must hold the settings table between its markers");
        String expected = markdown();
        assertEquals(expected, text.substring(from + begin.length(), to),
                "docs/configuration.md is out of step with Settings.TABLE; the table should read:\n" + expected);
    }

    /** The settings table as docs/configuration.md shows it. */
    static String markdown() {
        StringBuilder b = new StringBuilder("| YAML key | flag | environment variable | default | on reload | meaning |\n"
                + "|---|---|---|---|---|---|\n");
        List<String> rows = new ArrayList<>();
        for (Setting<?> s : Settings.TABLE) {
            String key = s == Settings.CONFIG ? "–" : "`" + s.key() + "`" + (s.secret() ? " (`_env`, `_file`)" : "")
                    + (s.list() ? " (list)" : "");
            String flag = "`" + s.flag() + (s.label() == null ? "" : " " + s.label()) + "`";
            String dflt = s.dflt() == null ? "none" : "`" + s.dflt() + "`";
            String doc = s.doc().replace("|", "\\|") + (s.commands().equals(Setting.ALL) ? "" : " Commands: "
                    + s.commands().stream().map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).sorted().reduce((x, y) -> x + ", " + y).orElse("")
                    + ".");
            String reload = switch (s.reload()) {
                case APPLIED -> "in place";
                case RESTART -> "restart";
                case CALLER -> "command";
            };
            rows.add("| " + key + " | " + flag + " | `" + s.env() + "` | " + dflt + " | " + reload + " | " + doc + " |");
        }
        rows.forEach(r -> b.append(r).append('\n'));
        return b.toString();
    }
}
