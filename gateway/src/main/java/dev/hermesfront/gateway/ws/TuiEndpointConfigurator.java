package dev.hermesfront.gateway.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.hub.AgentRegistry;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.http.CredentialCarriers;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Guardrails;
import dev.hermesfront.protocol.codec.FrameCodec;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.concurrent.ScheduledExecutorService;

/** Hands each new connection its own {@link TuiEndpoint} with the gateway's collaborators; no reflection. */
public final class TuiEndpointConfigurator extends ServerEndpointConfig.Configurator {
    private final TuiChannel channel;

    public TuiEndpointConfigurator(GatewayConfig config, FrameCodec codec, ObjectMapper mapper, AgentLauncher launcher,
                                   ConnectionRegistry registry, AgentRegistry agents, HubSettings hub, ScheduledExecutorService timers,
                                   Guardrails guard, Gate gate, PeerLaunchers peers, ChannelMetrics metrics) {
        AdmissionControl admission = new AdmissionControl(config.tui().maxAgents(), hub.agentsPerCredential(config.tui().maxAgents()),
                config.tui().agentsPerReadCredential(), config.tui().spawnBurst(), config.tui().spawnPerSecond(), System::nanoTime);
        this.channel = new TuiChannel(config, codec, mapper, launcher, registry, agents, admission, timers, guard, gate, peers, metrics);
    }

    /** Returns agents alive (running or parked), for metrics. */
    public int agents() {
        return channel.admission().agents();
    }

    /**
     * Returns the {@code /api/ws} upgrade of the raw engine ({@code tui.ws_engine = raw}): our own framing on the
     * upgraded socket, the same endpoint logic and collaborators as the Jakarta endpoint.
     */
    public io.undertow.server.HttpHandler rawUpgrade(io.undertow.connector.ByteBufferPool buffers) {
        return new RawTuiUpgrade(channel, buffers);
    }

    @Override
    public <T> T getEndpointInstance(Class<T> endpointClass) {
        return endpointClass.cast(new TuiEndpoint(channel));
    }

    /**
     * Builds the endpoint registration for {@code path}. The only subprotocol it selects is
     * {@code hermes-gateway-v1}, the one a ticket rides with; the ticket's own entry is never echoed.
     */
    public ServerEndpointConfig endpointConfig(String path) {
        return ServerEndpointConfig.Builder.create(TuiEndpoint.class, path).configurator(this)
                .subprotocols(java.util.List.of(CredentialCarriers.SUBPROTOCOL)).build();
    }
}
