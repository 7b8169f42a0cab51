package dev.hermesfront.gateway.http;

import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The front's HTTP listener: what {@code Undertow.builder().addHttpListener(...)} opens (an XNIO accepting channel
 * feeding Undertow's {@link HttpOpenListener}, the same socket and server options), with {@link ConnectionCaps}
 * between the two. Undertow's builder offers no hook on accepted connections, so the listener is opened here.
 */
public final class FrontListener implements AutoCloseable {
    /** Set, not derived from the heap size: Undertow would pick 1 KiB buffers below a 128 MiB heap. */
    private static final int BUFFER_BYTES = 16 * 1024 - 20;

    private final AcceptingChannel<? extends StreamConnection> server;
    private final ConnectionCaps caps;

    private FrontListener(AcceptingChannel<? extends StreamConnection> server, ConnectionCaps caps) {
        this.server = server;
        this.caps = caps;
    }

    /**
     * The connection bounds of the listener.
     *
     * @param total            open connections at most
     * @param perAddress       open connections from one client address at most
     * @param handshakeTimeout time a connection has to make a request with a credential; zero: no limit
     */
    public record Caps(int total, int perAddress, Duration handshakeTimeout) {}

    /**
     * Binds {@code address} and starts accepting on {@code worker}'s IO threads.
     *
     * @param maxEntityBytes the largest request body ({@code UndertowOptions.MAX_ENTITY_SIZE})
     */
    public static FrontListener open(XnioWorker worker, InetSocketAddress address, HttpHandler root, long maxEntityBytes, Caps bounds)
            throws IOException {
        return open(worker, address, root, maxEntityBytes, bounds, null);
    }

    /**
     * Binds {@code address} and starts accepting; with {@code tls}, the listener speaks TLS with that context (what
     * {@code Undertow.builder().addHttpsListener(port, host, sslContext)} opens), the caps counting TLS connections
     * from accept, before their handshake.
     */
    public static FrontListener open(XnioWorker worker, InetSocketAddress address, HttpHandler root, long maxEntityBytes, Caps bounds,
                                     SSLContext tls) throws IOException {
        ByteBufferPool buffers = new DefaultByteBufferPool(true, BUFFER_BYTES, -1, 4);
        OptionMap undertow = OptionMap.builder()
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
                .set(UndertowOptions.MAX_ENTITY_SIZE, maxEntityBytes)
                // Idle keep-alive connections live 120 s (0 here would close them ~at once, racing clients that
                // reuse them: a POST sent on a connection closing under it fails and is not retried).
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, 120_000)
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, 30_000)
                .getMap();
        HttpOpenListener http = new HttpOpenListener(buffers, undertow);
        ConnectionCaps caps = new ConnectionCaps(bounds.total(), bounds.perAddress(), bounds.handshakeTimeout(), http);
        http.setRootHandler(caps.handler(root));
        OptionMap socket = OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, worker.getIoThreadCount())
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BALANCING_TOKENS, 1)
                .set(Options.BALANCING_CONNECTIONS, 2)
                .set(Options.BACKLOG, 1000)
                .getMap();
        AcceptingChannel<? extends StreamConnection> server;
        if (tls == null) {
            server = worker.createStreamConnectionServer(address, ChannelListeners.openListenerAdapter(caps), socket);
        } else {
            UndertowXnioSsl ssl = new UndertowXnioSsl(worker.getXnio(), OptionMap.create(Options.USE_DIRECT_BUFFERS, true), tls);
            ChannelListener<AcceptingChannel<StreamConnection>> accept = ChannelListeners.openListenerAdapter(caps);
            @SuppressWarnings({"unchecked", "rawtypes"})
            AcceptingChannel<? extends StreamConnection> s = ssl.createSslConnectionServer(worker, address, (ChannelListener) accept, socket);
            server = s;
        }
        server.resumeAccepts();
        return new FrontListener(server, caps);
    }

    /** Returns the bound address (the real port with port 0). */
    public InetSocketAddress address() {
        return server.getLocalAddress(InetSocketAddress.class);
    }

    /** Returns the connection caps (tests, metrics). */
    public ConnectionCaps caps() {
        return caps;
    }

    /** Stops accepting; open connections are left to their owners. */
    @Override
    public void close() {
        IoUtils.safeClose(server);
    }
}
