package dev.hermesfront.gateway.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.ForwardingClientSink;
import dev.hermesfront.bridge.hub.ReadyAnnouncer;
import dev.hermesfront.gateway.policy.Delegation;
import dev.hermesfront.gateway.proxy.UpstreamEvents;
import dev.hermesfront.gateway.upstream.WsRelayLauncher;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.ReadyFrame;
import dev.hermesfront.protocol.WireFrame;
import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * Relays a client to one peer's {@code /api/ws} (through {@link dev.hermesfront.gateway.upstream.WsRelayLauncher}
 * with the peer's credential) and names the peer in the first {@code gateway.ready}, with the same
 * {@link ReadyAnnouncer} every link uses: {@code payload.capabilities.hermes_front.peer}. Every other frame
 * passes unchanged; the peer answers its own pings.
 */
final class PeerLauncher implements AgentLauncher {
    private static final ObjectMapper MAPPER = AgentJson.newMapper();
    /** What the peer's front announces about its own agent, which this front's hub announces for its own. */
    static final Set<String> PEER_OWN = Set.of("resume_id", "reattached", "replayed_frames", "role");
    private final String name;
    private final WsRelayLauncher relay;
    private final UpstreamEvents events;

    /** {@code events} hears whether the peer answered (first frame) or the relay ended before it did. */
    PeerLauncher(String name, WsRelayLauncher relay, UpstreamEvents events) {
        this.name = name;
        this.relay = relay;
        this.events = events;
    }

    /**
     * Returns the relay for one end user (issue 21, F3): its upgrade carries {@code onBehalf}
     * ({@link dev.hermesfront.gateway.policy.Delegation#header}) beside the coordinator's credential, so the peer
     * acts as that user, never as the coordinator. Its links are this launcher's (closed with it).
     */
    AgentLauncher forUser(String onBehalf) {
        PeerLauncher peer = this;
        return new AgentLauncher() {
            @Override
            public AgentLink open(ClientSink sink) throws IOException {
                return peer.open(sink, Map.of(Delegation.HEADER, onBehalf));
            }

            @Override
            public boolean frontAnswersPings() {
                return peer.frontAnswersPings();
            }

            @Override
            public String kind() {
                return peer.kind();
            }

            @Override
            public void close() {
                // the peer's launcher owns the links
            }
        };
    }

    @Override
    public AgentLink open(ClientSink sink) throws IOException {
        return open(sink, Map.of());
    }

    private AgentLink open(ClientSink sink, Map<String, String> extra) throws IOException {
        ClientSink health = new ForwardingClientSink(sink) {
            private volatile boolean first = true;

            @Override
            public boolean send(WireFrame frame) {
                if (first) {
                    first = false;
                    events.responded();
                }
                return super.send(frame);
            }

            @Override
            public void agentClosed(AgentExit exit) {
                if (first) {
                    // Closed before the peer said anything: it is down or refused us; count it for its circuit.
                    events.unavailable("/api/ws relay: " + exit.reason());
                }
                super.agentClosed(exit);
            }
        };
        // The peer's front announces its own agent (resume id, role); those name nothing at this front.
        ClientSink ours = new ForwardingClientSink(health) {
            private volatile boolean first = true;

            @Override
            public boolean send(WireFrame frame) {
                if (first) {
                    first = false;
                    return super.send(ReadyFrame.strip(frame.text(), MAPPER, PEER_OWN));
                }
                return super.send(frame);
            }
        };
        return relay.open(new ReadyAnnouncer(ours, MAPPER, false, Map.of("peer", name)), extra);
    }

    /** The peer's own front answers {@code gateway.ping}: pings pass through. */
    @Override
    public boolean frontAnswersPings() {
        return false;
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
