package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.config.ConfigException;
import dev.hermesfront.gateway.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, F10: a reload whose configuration has no credential left is refused. On loopback the loader would fall
 * back to a random token that nobody was shown (so even the next reload would be refused); a front that started
 * with the random token keeps reloading with it.
 */
class ReloadKeepsACredentialTest {
    @TempDir
    Path home;

    private ConfigLoader.Loaded load(Path yaml) {
        Map<String, List<String>> flags = yaml == null ? Map.of() : Map.of("config", List.of(yaml.toString()));
        return ConfigLoader.load(new ConfigLoader.Input(flags, Map.of("HERMES_HOME", home.toString()), home, false, false,
                () -> "random-token-0123456789"));
    }

    @Test
    void aReloadThatWouldFallBackToARandomTokenIsRefused() throws Exception {
        Path yaml = home.resolve("front.yaml");
        Files.writeString(yaml, "credentials:\n  - {name: laptop, token: laptop-token-0123456789, scope: admin}\n");
        ConfigLoader.Loaded first = load(yaml);
        Files.writeString(yaml, "credentials: []\n");
        ConfigLoader.Loaded again = load(yaml);
        assertTrue(again.generatedToken(), "the loader alone would make a random token");
        ConfigException e = assertThrows(ConfigException.class, () -> GatewayMain.refuseLostCredentials(first, again));
        assertTrue(e.getMessage().contains("no credential"), e.getMessage());
        GatewayMain.refuseLostCredentials(load(null), load(null)); // started with the random token: it stays
    }
}
