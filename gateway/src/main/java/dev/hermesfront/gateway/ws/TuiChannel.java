package dev.hermesfront.gateway.ws;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.hub.AgentRegistry;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Guardrails;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every /api/ws connection of one gateway shares: settings, codec, the agent-facing JSON mapper, the
 * local agent launcher, the registry of live connections, the agents (running and parked), admission control,
 * timers, guardrails, the authorization gate, peer relays and the metrics the endpoint feeds. Built once by
 * {@link TuiEndpointConfigurator}; each {@link TuiEndpoint} keeps a reference.
 */
record TuiChannel(GatewayConfig config, FrameCodec codec, ObjectMapper mapper, AgentLauncher launcher, ConnectionRegistry registry,
                  AgentRegistry agents, AdmissionControl admission, ScheduledExecutorService timers, Guardrails guard, Gate gate,
                  PeerLaunchers peers, ChannelMetrics metrics) {}
