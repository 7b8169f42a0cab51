package dev.hermesfront.gateway.ws;

import dev.hermesfront.protocol.WireFrame;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.jsr.UndertowSession;
import jakarta.websocket.CloseReason;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A client on a Jakarta WebSocket session ({@code tui.ws_engine = jakarta}): frames are written on its Undertow
 * channel as the bytes they are ({@code WebSockets.sendText(ByteBuffer, …)}, what the Jakarta remote does after
 * encoding a String); a session of another container gets the decoded text through its async remote. Messages
 * arrive through the session's handlers, on worker threads ({@code setDispatchToWorkerThread(true)}).
 */
final class JakartaConnection implements ClientConnection {
    private final Session session;
    private final WebSocketChannel channel;

    JakartaConnection(Session session) {
        this.session = session;
        this.channel = session instanceof UndertowSession us ? us.getWebSocketChannel() : null;
    }

    @Override
    public String id() {
        return session.getId();
    }

    @Override
    public Executor eventLoop() {
        return channel == null ? null : channel.getIoThread();
    }

    @Override
    public void sendText(WireFrame frame, SendHandler handler) {
        if (channel == null) {
            session.getAsyncRemote().sendText(frame.text(), handler);
            return;
        }
        try {
            WebSockets.sendText(frame.buffer(), channel, new WebSocketCallback<Void>() {
                @Override
                public void complete(WebSocketChannel c, Void context) {
                    handler.onResult(new SendResult());
                }

                @Override
                public void onError(WebSocketChannel c, Void context, Throwable throwable) {
                    handler.onResult(new SendResult(throwable));
                }
            });
        } catch (RuntimeException e) {
            handler.onResult(new SendResult(e)); // the channel is closing
        }
    }

    @Override
    public void close(CloseReason reason) throws IOException {
        session.close(reason);
    }

    @Override
    public Principal principal() {
        return session.getUserPrincipal();
    }

    @Override
    public String pathParameter(String name) {
        return session.getPathParameters().get(name);
    }

    @Override
    public Map<String, List<String>> requestParameters() {
        return session.getRequestParameterMap();
    }

    @Override
    public InetSocketAddress peerAddress() {
        return channel == null ? null : channel.getSourceAddress();
    }

    @Override
    public boolean isOpen() {
        return session.isOpen();
    }

    @Override
    public void sendPing(byte[] payload) throws IOException {
        session.getAsyncRemote().sendPing(ByteBuffer.wrap(payload));
    }

    @Override
    public void receive(Receiver r) {
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) r::text);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Whole<ByteBuffer>) b -> r.binary());
        session.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) p -> r.pong());
    }
}
