package dev.hermesfront.bridge.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.ForwardingClientSink;
import dev.hermesfront.protocol.ReadyFrame;
import dev.hermesfront.protocol.WireFrame;
import java.util.Map;

/**
 * Amends the agent's first frame, its {@code gateway.ready}, on the way out of an agent link
 * ({@link ReadyFrame#amend}): {@code heartbeat: true} when the front answers {@code gateway.ping} for this link
 * (a stdio, demo or replay agent with a current-wire ready), and fixed members of
 * {@code payload.capabilities.hermes_front} (a coordinator names the peer it relays to). Every later frame
 * passes untouched. Wraps the sink a launcher is opened with; thread-safe (a link delivers from one thread).
 */
public final class ReadyAnnouncer extends ForwardingClientSink {
    private final ObjectMapper mapper;
    private final boolean heartbeat;
    private final Map<String, ?> front;
    private volatile boolean first = true;

    /**
     * @param heartbeat add {@code heartbeat: true} to a current-wire ready
     * @param front     members to put into {@code payload.capabilities.hermes_front}
     */
    public ReadyAnnouncer(ClientSink next, ObjectMapper mapper, boolean heartbeat, Map<String, ?> front) {
        super(next);
        this.mapper = mapper;
        this.heartbeat = heartbeat;
        this.front = Map.copyOf(front);
    }

    @Override
    public boolean send(WireFrame frame) {
        if (first) {
            first = false;
            return super.send(ReadyFrame.amend(frame.text(), mapper, heartbeat, front));
        }
        return super.send(frame);
    }
}
