package dev.hermesfront.gateway.ops;

import dev.hermesfront.gateway.config.GatewayConfig;
import java.util.List;

/** Re-reads the configuration for a reload: the YAML file, the environment's files ({@code .env}, {@code *_file}). */
@FunctionalInterface
public interface ConfigSource {
    /**
     * Returns the new settings and the keys outside {@link GatewayConfig} (the agent command, recording)
     * that changed and need a restart; throws {@link dev.hermesfront.gateway.config.ConfigException} when
     * the configuration is wrong.
     */
    Fresh load();

    /** A freshly read configuration. */
    record Fresh(GatewayConfig gateway, List<String> restartNeeded) {
        public Fresh {
            restartNeeded = List.copyOf(restartNeeded);
        }
    }

    /** No source: reloads are refused (a gateway started by a test without one). */
    ConfigSource NONE = () -> {
        throw new dev.hermesfront.gateway.config.ConfigException("this gateway was started without a configuration source to reload");
    };
}
