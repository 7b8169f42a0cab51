package dev.hermesfront.gateway.ws;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.List;
import java.util.Map;

/**
 * One {@code /api/ws} client connection as the endpoint logic ({@link TuiEndpoint}) sees it, whatever carries it:
 * a Jakarta session ({@link JakartaConnection}, {@code tui.ws_engine = jakarta}) or our own framing on the upgraded
 * socket ({@link RawClientConnection}, {@code raw}). Frames go out through {@link OutboundQueue} (this is its
 * {@link OutboundQueue.Wire}); what the client sends comes in through the {@link Receiver}, one message at a
 * time, in order, never on an IO thread.
 */
interface ClientConnection extends OutboundQueue.Wire {

    /** What a client sends, as the endpoint hears it. */
    interface Receiver {
        /** A whole text message, valid UTF-8, within the size limit. */
        void text(String text);

        /** A binary message (the wire is text only). */
        void binary();

        /** A pong (an answer to our ping). */
        void pong();
    }

    /** Returns the identity the handshake authenticated ({@code TuiHandshakeHandler}), or null. */
    Principal principal();

    /** Returns the path parameter {@code name} ({@code /peers/{name}/api/ws}), or null. */
    String pathParameter(String name);

    /** Returns the handshake's query parameters. */
    Map<String, List<String>> requestParameters();

    /** Returns the client's address, or null when unknown. */
    InetSocketAddress peerAddress();

    /** Returns true until the connection closed. */
    boolean isOpen();

    /** Sends a ping with {@code payload} (at most 125 bytes). */
    void sendPing(byte[] payload) throws IOException;

    /** Starts delivering the client's messages to {@code r} (none are delivered before). */
    void receive(Receiver r);
}
