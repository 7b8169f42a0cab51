package dev.hermesfront.gateway.agents;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.hub.AgentRegistry;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.routes.Routes;
import java.time.Clock;

/**
 * Wires sharing into a gateway in one place: the share links (which the {@link Gate} resolves on
 * {@code /api/ws} only) and the REST routes that list agents and mint and revoke links. A link dies with
 * its agent.
 */
public final class Sharing {
    private final AgentRegistry agents;
    private final HubSettings settings;
    private final ObjectMapper mapper;
    private final ShareBook shares;

    public Sharing(AgentRegistry agents, HubSettings settings, ObjectMapper mapper, Clock clock) {
        this.agents = agents;
        this.settings = settings;
        this.mapper = mapper;
        this.shares = new ShareBook(settings.maxShares(), settings.sharesPerCredential(), settings.sharesPerAgent(), clock);
        agents.onEnded(hub -> shares.agentEnded(hub.id()));
    }

    /** Returns the share links, for the gate. */
    public ShareBook shares() {
        return shares;
    }

    /** Returns {@code /front/agents}'s routes, behind {@code gate}'s access check. */
    public Routes routes(Gate gate, boolean basicOffered) {
        return new AgentRoutes(agents, shares, settings, mapper, gate, basicOffered);
    }
}
