package dev.hermesfront.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hermesfront.gateway.ops.ConfigDiff;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every row's {@link Setting#reload()} is what a reload does: changing the row alone makes {@code ops.ConfigDiff} report it
 * under its key, as applied when the row says {@code APPLIED} (and the configuration a reload runs is the new one), as
 * needing a restart when it says {@code RESTART} (and the configuration a reload runs keeps every running part). Rows
 * the caller compares ({@code CALLER}) are not compared here.
 */
class ReloadCoverageTest {
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
    void everyRowDoesWhatItsReloadFlagSays() {
        List<String> wrong = new ArrayList<>();
        for (Setting<?> s : Settings.TABLE) {
            String key = s.key();
            if (s.reload() == Setting.Reload.CALLER) {
                continue;
            }
            Map<String, List<String>> flags = new HashMap<>();
            SettingsTableTest.COMPANIONS.getOrDefault(key, Map.of()).forEach((k, v) -> flags.put(k, List.of(v)));
            MORE_COMPANIONS.getOrDefault(key, Map.of()).forEach((k, v) -> flags.put(k, List.of(v)));
            if (BEFORE.containsKey(key)) {
                flags.put(key, List.of(BEFORE.get(key)));
            }
            GatewayConfig before = load(flags).gateway();
            flags.put(key, List.of(SettingsTableTest.sample(key)));
            GatewayConfig after = load(flags).gateway();
            ConfigDiff.Result r = ConfigDiff.of(before, after);
            if (s.reload() == Setting.Reload.APPLIED) {
                if (!r.applied().equals(List.of(key)) || !r.restartNeeded().isEmpty() || !r.effective().equals(after)) {
                    wrong.add(key + " (APPLIED; applied " + r.applied() + ", restart " + r.restartNeeded() + ")");
                }
            } else if (!r.restartNeeded().equals(List.of(key)) || !r.applied().isEmpty() || !sameParts(r.effective(), before)) {
                wrong.add(key + " (RESTART; applied " + r.applied() + ", restart " + r.restartNeeded() + ", kept running parts: "
                        + sameParts(r.effective(), before) + ")");
            }
        }
        assertEquals(List.of(), wrong, "rows whose reload flag is not what a reload does");
    }

    /** Whether every part but the credentials and peers (compared by ConfigDiff as wholes) is the same. */
    private static boolean sameParts(GatewayConfig a, GatewayConfig b) {
        return a.listen().equals(b.listen()) && a.limits().equals(b.limits()) && a.upstreams().equals(b.upstreams()) && a.tui().equals(b.tui())
                && a.security().equals(b.security()) && a.pools().equals(b.pools()) && a.remote().equals(b.remote())
                && a.auth().proxy().equals(b.auth().proxy()) && a.peers().probeInterval().equals(b.peers().probeInterval())
                && a.peers().timeout().equals(b.peers().timeout()) && a.auth().credentials().all().size() == b.auth().credentials().all().size()
                && a.auth().credentials().all().stream().map(Credential::name).toList()
                        .equals(b.auth().credentials().all().stream().map(Credential::name).toList())
                && a.auth().credentials().all().stream().map(Credential::toString).toList()
                        .equals(b.auth().credentials().all().stream().map(Credential::toString).toList());
    }
}
