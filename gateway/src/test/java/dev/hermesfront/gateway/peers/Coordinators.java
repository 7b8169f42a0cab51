package dev.hermesfront.gateway.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.config.ConfigLoader;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.ListenAddress;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds an in-process coordinator from the same YAML a deployment uses (test helper). */
final class Coordinators {
    private Coordinators() {}

    /** Returns the coordinator's YAML: an admin and a read token, then {@code peersYaml}. */
    static String yaml(String peersYaml, String adminToken, String readToken) {
        return "credentials:\n"
                + "  - {name: laptop, token: " + adminToken + ", scope: admin}\n"
                + "  - {name: viewer, token: " + readToken + ", scope: read}\n"
                + "peer_probe_interval: 1s\n"
                + peersYaml;
    }

    static GatewayConfig config(InetSocketAddress listen, String peersYaml, String adminToken, String readToken,
                                Map<String, String> env) throws Exception {
        Path dir = Files.createTempDirectory("hf-coord");
        Path file = dir.resolve("coordinator.yaml");
        Files.writeString(file, yaml(peersYaml, adminToken, readToken));
        Map<String, String> e = new HashMap<>(env);
        try {
            ConfigLoader.Loaded loaded = ConfigLoader.load(new ConfigLoader.Input(Map.of("config", List.of(file.toString()),
                    "listen", List.of(ListenAddress.format(listen))), e, dir, false, false, () -> "unused"));
            return loaded.gateway();
        } finally {
            Files.delete(file);
            Files.delete(dir);
        }
    }

    static GatewayServer start(GatewayConfig cfg) throws Exception {
        return GatewayServer.builder(cfg, new DemoLauncher(new ObjectMapper(), new FrameCodec())).build().start();
    }
}
