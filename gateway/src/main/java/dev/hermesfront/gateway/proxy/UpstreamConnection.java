package dev.hermesfront.gateway.proxy;

import io.undertow.client.ClientCallback;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientExchange;
import io.undertow.client.ClientRequest;
import io.undertow.client.ClientResponse;
import io.undertow.client.ClientStatistics;
import io.undertow.client.ContinueNotification;
import io.undertow.client.PushCallback;
import io.undertow.connector.ByteBufferPool;
import io.undertow.util.AttachmentKey;
import io.undertow.util.AttachmentList;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import org.xnio.ChannelListener;
import org.xnio.Option;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * The pooled loopback connection as the {@link io.undertow.server.handlers.proxy.ProxyHandler} sees it:
 * every call goes to the real connection, except that a failure reported for the request in flight goes
 * to {@link UpstreamExchange#failed} instead of to the ProxyHandler. Undertow reports every connection
 * close during an exchange as a failure ({@code ERROR UT005028 … failed} with a stack trace), including
 * the everyday ones: a client that leaves mid-stream, an upstream that closes after its last chunk, a
 * client reset during its request body. {@link UpstreamExchange} tells those from real failures and does
 * what the ProxyHandler would have done (close the client connection, or answer with our error), with
 * one log line. Thread-safety: that of the wrapped connection.
 */
final class UpstreamConnection implements ClientConnection {
    private final ClientConnection delegate;
    private final UpstreamExchange state;

    UpstreamConnection(ClientConnection delegate, UpstreamExchange state) {
        this.delegate = delegate;
        this.state = state;
    }

    @Override
    public void sendRequest(ClientRequest request, ClientCallback<ClientExchange> callback) {
        delegate.sendRequest(request, new ClientCallback<>() {
            @Override
            public void completed(ClientExchange result) {
                callback.completed(new Exchange(result));
            }

            @Override
            public void failed(IOException e) {
                state.failed(e);
            }
        });
    }

    /** The upstream exchange, with its response listener's failures routed to {@link UpstreamExchange#failed}. */
    private final class Exchange implements ClientExchange {
        private final ClientExchange d;

        Exchange(ClientExchange d) {
            this.d = d;
        }

        @Override
        public void setResponseListener(ClientCallback<ClientExchange> listener) {
            d.setResponseListener(new ClientCallback<>() {
                @Override
                public void completed(ClientExchange result) {
                    listener.completed(Exchange.this);
                }

                @Override
                public void failed(IOException e) {
                    state.failed(e);
                }
            });
        }

        @Override
        public void setContinueHandler(ContinueNotification continueHandler) {
            d.setContinueHandler(ex -> continueHandler.handleContinue(Exchange.this));
        }

        @Override
        public void setPushHandler(PushCallback pushCallback) {
            d.setPushHandler(pushCallback);
        }

        @Override
        public StreamSinkChannel getRequestChannel() {
            return d.getRequestChannel();
        }

        @Override
        public StreamSourceChannel getResponseChannel() {
            // Called once, by the ProxyHandler, as it starts relaying the body. A chunked body relayed as it arrived
            // needs no gathering: one read of the socket returns all that is ready, framing and all.
            if (state.relayChunkedAsIs(d.getConnection(), d.getResponse())) {
                return d.getResponseChannel();
            }
            return new GatheringResponseChannel(d.getResponseChannel());
        }

        @Override
        public ClientRequest getRequest() {
            return d.getRequest();
        }

        @Override
        public ClientResponse getResponse() {
            return d.getResponse();
        }

        @Override
        public ClientResponse getContinueResponse() {
            return d.getContinueResponse();
        }

        @Override
        public ClientConnection getConnection() {
            return d.getConnection();
        }

        @Override
        public <T> T getAttachment(AttachmentKey<T> key) {
            return d.getAttachment(key);
        }

        @Override
        public <T> List<T> getAttachmentList(AttachmentKey<? extends List<T>> key) {
            return d.getAttachmentList(key);
        }

        @Override
        public <T> T putAttachment(AttachmentKey<T> key, T value) {
            return d.putAttachment(key, value);
        }

        @Override
        public <T> T removeAttachment(AttachmentKey<T> key) {
            return d.removeAttachment(key);
        }

        @Override
        public <T> void addToAttachmentList(AttachmentKey<AttachmentList<T>> key, T value) {
            d.addToAttachmentList(key, value);
        }
    }

    @Override
    public StreamConnection performUpgrade() throws IOException {
        return delegate.performUpgrade();
    }

    @Override
    public ByteBufferPool getBufferPool() {
        return delegate.getBufferPool();
    }

    @Override
    public SocketAddress getPeerAddress() {
        return delegate.getPeerAddress();
    }

    @Override
    public <A extends SocketAddress> A getPeerAddress(Class<A> type) {
        return delegate.getPeerAddress(type);
    }

    @Override
    public ChannelListener.Setter<? extends ClientConnection> getCloseSetter() {
        return delegate.getCloseSetter();
    }

    @Override
    public SocketAddress getLocalAddress() {
        return delegate.getLocalAddress();
    }

    @Override
    public <A extends SocketAddress> A getLocalAddress(Class<A> type) {
        return delegate.getLocalAddress(type);
    }

    @Override
    public XnioWorker getWorker() {
        return delegate.getWorker();
    }

    @Override
    public XnioIoThread getIoThread() {
        return delegate.getIoThread();
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen();
    }

    @Override
    public boolean supportsOption(Option<?> option) {
        return delegate.supportsOption(option);
    }

    @Override
    public <T> T getOption(Option<T> option) throws IOException {
        return delegate.getOption(option);
    }

    @Override
    public <T> T setOption(Option<T> option, T value) throws IOException {
        return delegate.setOption(option, value);
    }

    @Override
    public boolean isUpgraded() {
        return delegate.isUpgraded();
    }

    @Override
    public boolean isPushSupported() {
        return delegate.isPushSupported();
    }

    @Override
    public boolean isMultiplexingSupported() {
        return delegate.isMultiplexingSupported();
    }

    @Override
    public ClientStatistics getStatistics() {
        return delegate.getStatistics();
    }

    @Override
    public boolean isUpgradeSupported() {
        return delegate.isUpgradeSupported();
    }

    @Override
    public void addCloseListener(ChannelListener<ClientConnection> listener) {
        delegate.addCloseListener(listener);
    }

    @Override
    public boolean isPingSupported() {
        return delegate.isPingSupported();
    }

    @Override
    public void sendPing(PingListener listener, long timeout, java.util.concurrent.TimeUnit timeUnit) {
        delegate.sendPing(listener, timeout, timeUnit);
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
