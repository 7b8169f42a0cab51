package dev.hermesfront.gateway.peers;

import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.PeerNode;
import dev.hermesfront.gateway.config.GatewayConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * The multi-machine scenarios in-process, each peer on its own loopback address (127.0.0.2 studio,
 * 127.0.0.3 mini, 127.0.0.4 down, 127.0.0.5 echo) and the coordinator on 127.0.0.1, so CI always runs them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeersLoopbackTest extends PeerScenarios {
    private PeerNode studio;
    private PeerNode mini;
    private PeerNode echo;
    private int downPort;
    private GatewayServer coordinator;

    @BeforeAll
    void start() throws Exception {
        studio = PeerNode.front("studio", "127.0.0.2", 0, STUDIO_TOKEN, Duration.ofMillis(90));
        mini = PeerNode.front("mini", "127.0.0.3", 0, MINI_TOKEN, MINI_DELAY);
        echo = PeerNode.echo("127.0.0.5", 0);
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.4"))) {
            downPort = s.getLocalPort();
        }
        String yaml = peersYaml("http://127.0.0.2:" + studio.port(), "http://127.0.0.3:" + mini.port(),
                "http://127.0.0.4:" + downPort, "http://127.0.0.5:" + echo.port());
        GatewayConfig cfg = Coordinators.config(new InetSocketAddress("127.0.0.1", 0), yaml, COORD_TOKEN, READ_TOKEN,
                java.util.Map.of("STUDIO_TOKEN", STUDIO_TOKEN, "MINI_TOKEN", MINI_TOKEN, "ECHO_PASSWORD", ECHO_PASSWORD));
        coordinator = Coordinators.start(cfg);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {coordinator, studio, mini, echo}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }

    @Override
    URI coordinator() {
        return URI.create("http://127.0.0.1:" + coordinator.port());
    }

    @Override
    boolean reachableFrom(String peer, String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    String boundAddress(String name) {
        return "127.0.0.2";
    }

    @Override
    int peerPort(String name) {
        return studio.port();
    }

    @Override
    List<String> otherAddresses(String name) {
        return List.of("127.0.0.1", "127.0.0.3");
    }
}
