package dev.hermesfront.gateway.ws;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.gateway.GatewayConfig;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * The {@code /api/ws} endpoint: one agent link per connection, frames passed through untouched
 * (tui-wire.md §8).
 *
 * <p>Per connection: the token is checked first (close 4401 when wrong, before any agent starts);
 * each text message is classified, protocol errors are answered here exactly as the agent would
 * ({@code -32700}, {@code -32600}, {@code -32602}; the connection stays open), whitespace-only
 * messages are ignored, everything else goes to the agent unchanged. Binary messages close 1003,
 * oversized ones 1009, an agent exit closes 1011 after its last frames are delivered.
 *
 * <p>Callbacks run on worker threads ({@code setDispatchToWorkerThread(true)}), never IO threads.
 */
public final class TuiEndpoint extends Endpoint {
    private static final System.Logger LOG = System.getLogger(TuiEndpoint.class.getName());

    private final GatewayConfig config;
    private final FrameCodec codec;
    private final AgentLauncher launcher;
    private final ConnectionRegistry registry;
    private volatile AgentLink link;
    private volatile OutboundQueue outbound;

    TuiEndpoint(GatewayConfig config, FrameCodec codec, AgentLauncher launcher, ConnectionRegistry registry) {
        this.config = config;
        this.codec = codec;
        this.launcher = launcher;
        this.registry = registry;
    }

    @Override
    public void onOpen(Session session, EndpointConfig endpointConfig) {
        session.setMaxIdleTimeout(0);
        session.setMaxTextMessageBufferSize(config.maxMessageBytes());
        session.setMaxBinaryMessageBufferSize(config.maxMessageBytes());
        if (!authorized(session)) {
            LOG.log(System.Logger.Level.DEBUG, "refused /api/ws connection {0}: missing or wrong token", session.getId());
            close(session, CloseCodes.UNAUTHORIZED, "unauthorized: missing or invalid token");
            return;
        }
        OutboundQueue out = new OutboundQueue(session, config.outboundHighWater(), config.outboundLimit());
        outbound = out;
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) this::onText);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) b ->
                out.closeAfterDrain(reason(CloseCodes.UNSUPPORTED_DATA, "binary messages are not supported; send JSON text")));
        try {
            link = launcher.open(out);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "agent failed to start: {0}", e.getMessage());
            close(session, CloseCodes.AGENT_FAILURE, "agent failed to start");
            return;
        }
        registry.add(session, this);
        LOG.log(System.Logger.Level.INFO, "client {0} attached to {1}", session.getId(), link.describe());
    }

    private boolean authorized(Session session) {
        Map<String, List<String>> params = session.getRequestParameterMap();
        List<String> tokens = params.get("token");
        return tokens != null && tokens.size() == 1 && config.credentials().matchToken(tokens.get(0)).isPresent();
    }

    private void onText(String text) {
        Decoded d = codec.decode(text);
        if (d instanceof Decoded.Valid) {
            AgentLink l = link;
            if (l != null && !l.send(text)) {
                outbound.closeAfterDrain(reason(CloseCodes.OVERLOADED, "agent is not accepting input"));
            }
        } else if (d instanceof Decoded.Invalid inv) {
            LOG.log(System.Logger.Level.DEBUG, "answered an invalid client frame ({0})", inv.reason());
            outbound.send(inv.reply());
        }
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        registry.remove(session);
        OutboundQueue out = outbound;
        if (out != null) {
            out.closed();
        }
        AgentLink l = link;
        if (l != null) {
            LOG.log(System.Logger.Level.INFO, "client {0} left ({1,number,#}); stopping {2}", session.getId(),
                    closeReason.getCloseCode().getCode(), l.describe());
            l.close();
        }
    }

    @Override
    public void onError(Session session, Throwable thr) {
        LOG.log(System.Logger.Level.DEBUG, "client {0}: {1}", session.getId(), thr.toString());
    }

    /** Closes the connection for gateway shutdown (1001) after queued frames. */
    void shutdown() {
        OutboundQueue out = outbound;
        if (out != null) {
            out.closeAfterDrain(reason(CloseCodes.GOING_AWAY, "gateway shutting down"));
        }
    }

    static CloseReason reason(int code, String text) {
        return new CloseReason(CloseReason.CloseCodes.getCloseCode(code), text);
    }

    private static void close(Session session, int code, String text) {
        try {
            session.close(reason(code, text));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "close failed: {0}", e.getMessage());
        }
    }
}
