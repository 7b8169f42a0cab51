package dev.hermesfront.gateway.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.gateway.proxy.UpstreamEvents;
import dev.hermesfront.protocol.transcript.PythonJson;
import java.io.IOException;
import java.time.Duration;

/**
 * Relays a client to one peer's {@code /api/ws} (through {@link dev.hermesfront.gateway.upstream.WsRelayLauncher}
 * with the peer's token) and names the peer in the first {@code gateway.ready}: {@code payload.hermes_front.peer}.
 * Every other frame passes unchanged.
 */
final class PeerLauncher implements AgentLauncher {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final String name;
    private final AgentLauncher relay;
    private final UpstreamEvents events;

    /** {@code events} hears whether the peer answered (first frame) or the relay ended before it did. */
    PeerLauncher(String name, AgentLauncher relay, UpstreamEvents events) {
        this.name = name;
        this.relay = relay;
        this.events = events;
    }

    @Override
    public AgentLink open(ClientSink sink) throws IOException {
        return relay.open(new ClientSink() {
            private volatile boolean first = true;

            @Override
            public boolean send(String frame) {
                if (first) {
                    first = false;
                    events.responded();
                    return sink.send(named(frame));
                }
                return sink.send(frame);
            }

            @Override
            public boolean awaitWritable(Duration timeout) throws InterruptedException {
                return sink.awaitWritable(timeout);
            }

            @Override
            public void agentClosed(AgentExit exit) {
                if (first) {
                    // Closed before the peer said anything: it is down or refused us; count it for its circuit.
                    events.unavailable("/api/ws relay: " + exit.reason());
                }
                sink.agentClosed(exit);
            }
        });
    }

    /** Adds {@code hermes_front.peer} to a {@code gateway.ready} frame; anything else is returned as is. */
    String named(String frame) {
        try {
            JsonNode root = MAPPER.readTree(frame);
            JsonNode params = root.path("params");
            if (!params.isObject() || !"gateway.ready".equals(params.path("type").asText())) {
                return frame;
            }
            JsonNode payload = params.path("payload");
            ObjectNode p = payload.isObject() ? (ObjectNode) payload : ((ObjectNode) params).putObject("payload");
            JsonNode hf = p.path("hermes_front");
            (hf.isObject() ? (ObjectNode) hf : p.putObject("hermes_front")).put("peer", name);
            return PythonJson.write(root);
        } catch (IOException | RuntimeException e) {
            return frame;
        }
    }

    @Override
    public String kind() {
        return "peer:" + name;
    }

    @Override
    public void close() {
        relay.close();
    }
}
