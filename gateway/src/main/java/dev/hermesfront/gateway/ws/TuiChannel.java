package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.park.ParkingLot;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Guardrails;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every /api/ws connection of one gateway shares: settings, codec, the local agent launcher, the
 * registry of live connections, parked agents, admission control, timers, guardrails, the authorization gate, peer relays
 * and the metrics the endpoint feeds.
 * Built once by {@link TuiEndpointConfigurator}; each {@link TuiEndpoint} keeps a reference.
 */
record TuiChannel(GatewayConfig config, FrameCodec codec, AgentLauncher launcher, ConnectionRegistry registry, ParkingLot lot,
                  AdmissionControl admission, ScheduledExecutorService timers, Guardrails guard, Gate gate, PeerLaunchers peers,
                  ChannelMetrics metrics) {}
