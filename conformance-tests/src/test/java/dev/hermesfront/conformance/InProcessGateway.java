package dev.hermesfront.conformance;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.Settings;
import java.net.InetSocketAddress;
import java.net.URI;

/** The real gateway on 127.0.0.1 and a free port, in front of the given launcher; closing it stops both. */
final class InProcessGateway implements AutoCloseable {
    static final String TOKEN = "conformance-token";

    private final GatewayServer server;

    private InProcessGateway(GatewayServer server) {
        this.server = server;
    }

    static InProcessGateway start(AgentLauncher launcher) throws Exception {
        // Parking off: the transcripts were recorded without a parking front, and a replay agent plays one
        // connection, so a reconnect (ws-05's connection B) must get its own agent, not A's parked one.
        return start(launcher, ParkingPolicy.disabled());
    }

    /** Starts the gateway with the given parking policy (on for live agents that a reconnect re-attaches). */
    static InProcessGateway start(AgentLauncher launcher, ParkingPolicy parking) throws Exception {
        return start(launcher, parking, null, null);
    }

    /** Starts the gateway serving TLS with the PEM files {@code cert} and {@code key} (null: plaintext). */
    static InProcessGateway start(AgentLauncher launcher, ParkingPolicy parking, java.nio.file.Path cert, java.nio.file.Path key)
            throws Exception {
        GatewayConfig base = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(TOKEN));
        GatewayConfig cfg = base.with(Settings.PARK_WINDOW, parking.window()).with(Settings.PARK_BUFFER_FRAMES, (long) parking.maxFrames())
                .with(Settings.PARK_BUFFER_BYTES, parking.maxBytes());
        if (cert != null) {
            cfg = cfg.withRemote(cfg.remote().withTls(cert, key));
        }
        GatewayServer s = GatewayServer.builder(cfg, launcher).build();
        try {
            s.start();
        } catch (Exception | Error e) {
            s.close();
            launcher.close();
            throw e;
        }
        return new InProcessGateway(s);
    }

    URI uri() {
        return URI.create((server.secure() ? "wss" : "ws") + "://127.0.0.1:" + server.port() + "/api/ws?token=" + TOKEN);
    }

    int connections() {
        return server.connections();
    }

    @Override
    public void close() {
        server.close();
    }
}
