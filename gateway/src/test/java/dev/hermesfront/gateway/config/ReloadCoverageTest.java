package dev.hermesfront.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.ops.ConfigDiff;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every row of the settings table is decided for reload: changing it alone makes {@code ops.ConfigDiff} report it,
 * as applied in place or as needing a restart, or it is one of the rows the caller compares itself or that a reload
 * never reads (listed here, with why). A new row that nobody decided fails here, naming it.
 */
class ReloadCoverageTest {
    /**
     * Decided by the caller, {@code GatewayMain}: its config source compares the agent command and recording (restart
     * needed), and {@code Logging.apply} sets the log rows on every load.
     */
    static final List<String> BY_CALLER = List.of("agent.", "record", "log_");
    /** Not a value a reload compares. */
    static final Map<String, String> NOT_RELOADED = Map.of(
            "hermes_home", "where .env is read: the values it supplied are what a reload compares");
    /** Rows reported under another name. */
    static final Map<String, String> REPORTED_AS = Map.of("token", "credentials", "basic_users", "credentials",
            "peer_probe_interval", "peers", "peer_timeout", "peers");
    /** Rows that do nothing without another one, beyond the table test's companions. */
    static final Map<String, Map<String, String>> MORE_COMPANIONS = Map.of("trusted_proxies", Map.of("identity_header", "Tailscale-User-Login"),
            "tls.key", Map.of("tls.cert", "/etc/passwd"));
    /** Rows that cannot be absent beside their companions: the value they change from. */
    static final Map<String, String> BEFORE = Map.of("api.key", "sk-other-key-0123456789", "api.upstream", "http://127.0.0.1:18643",
            "trusted_proxies", "100.64.0.0/10", "tls.cert", "/etc/hostname", "tls.key", "/etc/hostname");

    @TempDir
    Path home;

    private ConfigLoader.Loaded load(Map<String, List<String>> flags) {
        return ConfigLoader.load(new ConfigLoader.Input(flags, Map.of(), home, false, false, () -> "random-token"));
    }

    @Test
    void everyRowIsDecidedForReload() {
        List<String> undecided = new ArrayList<>();
        for (Setting<?> s : Settings.TABLE) {
            String key = s.key();
            if (s == Settings.CONFIG || NOT_RELOADED.containsKey(key) || BY_CALLER.stream().anyMatch(key::startsWith)) {
                continue;
            }
            Map<String, List<String>> flags = new HashMap<>();
            SettingsTableTest.COMPANIONS.getOrDefault(key, Map.of()).forEach((k, v) -> flags.put(k, List.of(v)));
            MORE_COMPANIONS.getOrDefault(key, Map.of()).forEach((k, v) -> flags.put(k, List.of(v)));
            if (BEFORE.containsKey(key)) {
                flags.put(key, List.of(BEFORE.get(key)));
            }
            ConfigLoader.Loaded before = load(flags);
            flags.put(key, List.of(SettingsTableTest.SAMPLE.get(key)));
            ConfigLoader.Loaded after = load(flags);
            ConfigDiff.Result r = ConfigDiff.of(before.gateway(), after.gateway());
            List<String> reported = new ArrayList<>(r.applied());
            reported.addAll(r.restartNeeded());
            if (!reported.stream().anyMatch(p -> matches(p, key) || p.equals(REPORTED_AS.get(key)))) {
                undecided.add(key + " (reported: " + reported + ")");
            }
        }
        assertEquals(List.of(), undecided, "rows a reload neither applies nor reports: decide them in ops.ConfigDiff");
    }

    /**
     * Whether a reported name covers {@code key}: alternatives split by {@code /}, each a glob ({@code *} any text),
     * tried as written and under the first alternative's section (so that {@code lockout}, after {@code limits.auth_*},
     * covers {@code limits.lockout}).
     */
    static boolean matches(String pattern, String key) {
        String[] alternatives = pattern.split("/");
        int dot = alternatives[0].lastIndexOf('.');
        String section = dot < 0 ? "" : alternatives[0].substring(0, dot + 1);
        for (String a : alternatives) {
            if (glob(a, key) || !a.contains(".") && glob(section + a, key)) {
                return true;
            }
        }
        return false;
    }

    private static boolean glob(String glob, String key) {
        StringBuilder re = new StringBuilder();
        for (String part : glob.split("\\*", -1)) {
            re.append(re.length() == 0 && part.isEmpty() ? "" : java.util.regex.Pattern.quote(part)).append(".*");
        }
        re.setLength(re.length() - 2);
        return key.matches(re.toString());
    }

    @Test
    void patternsMatchAsDocumented() {
        assertTrue(matches("tui.*", "tui.max_agents"));
        assertTrue(matches("max_body_bytes", "max_body_bytes"));
        assertTrue(matches("limits.auth_*/lockout", "limits.lockout"));
        assertTrue(matches("limits.rest_*/ws_*", "limits.ws_burst"));
        assertTrue(matches("identity_header/trusted_proxies", "trusted_proxies"));
        assertTrue(matches("limits.*connections*/handshake_timeout", "limits.max_connections"));
        assertTrue(matches("tls.*/public_url/state_dir/notify.*", "public_url"));
        assertTrue(!matches("tui.*", "tuix") && !matches("audit_log*", "log_format"));
    }
}
