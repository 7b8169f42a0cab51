package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.gateway.http.ErrorResponses;
import dev.hermesfront.gateway.http.SecurityHeadersHandler;
import io.undertow.client.ClientConnection;
import io.undertow.client.ClientResponse;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpAttachments;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.WorkerUtils;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSinkConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * The timeline of one proxied request: connect (bounded by the connect timeout), wait for response
 * headers (bounded by the response timeout; a whole non-stream agent turn), then the body, where only
 * silence longer than the idle timeout ends it. Also turns Undertow's bare proxy failures into our JSON
 * errors: 502 {@code upstream_unavailable} (refused, reset, closed before answering) and 504
 * {@code upstream_timeout}. After the response started (SSE), a failure just closes the client
 * connection (rest-surface.md §6.7). A chunked answer that nothing here transforms is relayed as it arrived,
 * chunk framing included ({@link #relayChunkedAsIs}, {@link ChunkedPassThrough}).
 *
 * <p>Thread-safety: timers run on the exchange's IO thread; connection callbacks may arrive on another
 * IO thread, so decisions are taken under this object's lock.
 */
final class UpstreamExchange {
    private static final System.Logger LOG = System.getLogger(UpstreamExchange.class.getName());
    static final AttachmentKey<UpstreamExchange> KEY = AttachmentKey.create(UpstreamExchange.class);
    private static final List<HttpString> HOP_BY_HOP_RESPONSE = List.of(Headers.CONNECTION, new HttpString("Keep-Alive"),
            new HttpString("Proxy-Connection"), Headers.PROXY_AUTHENTICATE, Headers.TE, Headers.TRAILER,
            Headers.TRANSFER_ENCODING, Headers.UPGRADE);

    private final HttpServerExchange exchange;
    private final UpstreamConfig config;
    private final UpstreamKind kind;
    private final String label;
    private final UpstreamEvents events;
    private ClientConnection connection;
    private XnioExecutor.Key timer;
    private boolean connected;
    private boolean responded;
    private boolean failed;
    private boolean failureSeen;
    private boolean streaming;
    private volatile boolean chunkedAsIs;
    private volatile IOException bodyFailure;
    private volatile boolean clientBodyFailed;
    private volatile long lastWriteNanos;

    UpstreamExchange(HttpServerExchange exchange, UpstreamConfig config, UpstreamKind kind, String label, UpstreamEvents events) {
        this.exchange = exchange;
        this.config = config;
        this.kind = kind;
        this.label = label;
        this.events = events;
    }

    /** Installs the listeners; call before handing the exchange to the ProxyHandler. */
    void install() {
        exchange.putAttachment(KEY, this);
        exchange.addDefaultResponseListener(ex -> proxyFailed());
        exchange.addRequestWrapper((factory, ex) -> new RequestWatch(factory.create()));
        exchange.addResponseWrapper((factory, ex) -> {
            HeaderMap h = ex.getResponseHeaders();
            if (ex.getStatusCode() != 101) {
                // The upstream's hop-by-hop headers describe its connection to us, not ours to the client.
                HOP_BY_HOP_RESPONSE.forEach(h::remove);
            }
            boolean upstreamAnswer = headersArrived(h);
            if (upstreamAnswer) {
                // Its product and version are the upstream's business (issue 17); the front sends no Server header.
                h.remove(Headers.SERVER);
                if (kind != UpstreamKind.API) {
                    // The dashboard (and a peer) set their own header policy; CSP 'none' would break the dashboard's page.
                    ex.putAttachment(SecurityHeadersHandler.LEAVE_ALONE, Boolean.TRUE);
                }
            }
            if (upstreamAnswer && chunkedAsIs) {
                // The upstream's chunks, framing included, are the body (ChunkedPassThrough checked them): Undertow's
                // pre-chunked response sends them as they are, under the same Transfer-Encoding.
                h.remove(Headers.CONTENT_LENGTH);
                h.put(Headers.TRANSFER_ENCODING, Headers.CHUNKED.toString());
                ex.putAttachment(HttpAttachments.PRE_CHUNKED_RESPONSE, Boolean.TRUE);
            }
            StreamSinkConduit sink = factory.create();
            boolean stream = upstreamAnswer && ex.getStatusCode() != 101 && !h.contains(Headers.CONTENT_LENGTH);
            if (stream) {
                // A streamed answer (SSE): its headers go out now, not with the first event, which may be minutes away.
                flushHeadersSoon(sink);
            }
            // A connection that once carried pipelined requests keeps Undertow's pipelining buffer, which holds writes
            // until a flush: each piece of a stream on it is flushed as it is written, or an event would wait for company.
            boolean flushEach = stream && ex.getConnection() instanceof HttpServerConnection c && c.getPipelineBuffer() != null;
            boolean idle = upstreamAnswer && !config.idleTimeout().isZero();
            return idle || flushEach ? new BodyWatch(sink, flushEach) : sink;
        });
        exchange.addExchangeCompleteListener((ex, next) -> {
            cancelTimer();
            next.proceed();
        });
    }

    /** Returns true while the response being sent is the upstream's (not one of our errors). */
    synchronized boolean relaying() {
        return responded && !failed;
    }

    /** Claims the answer for the front itself (before the upstream was asked); false when already answered. */
    synchronized boolean answerInstead() {
        if (responded || failed) {
            return false;
        }
        failed = true;
        cancelTimer();
        return true;
    }

    /** Called when the proxy client starts connecting. */
    synchronized void connecting() {
        arm(config.connectTimeout(), "connect");
    }

    /** Called when a connection is ready; returns false when the request was already answered (timed out). */
    synchronized boolean connected(ClientConnection c) {
        if (failed) {
            return false;
        }
        connection = c;
        connected = true;
        cancelTimer();
        arm(config.responseTimeout(), "response");
        return true;
    }

    /** Called when connecting failed; returns false when the request was already answered. */
    synchronized boolean connectFailed() {
        cancelTimer();
        return !failed;
    }

    /** Notes that the upstream's response headers are being relayed; returns false when we answered instead. */
    private synchronized boolean headersArrived(HeaderMap h) {
        if (failed) {
            return false;
        }
        responded = true;
        String type = h.getFirst(Headers.CONTENT_TYPE);
        streaming = type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
        cancelTimer();
        events.responded();
        lastWriteNanos = System.nanoTime();
        if (!config.idleTimeout().isZero()) {
            arm(config.idleTimeout(), "idle");
        }
        return true;
    }

    /**
     * Decides, as the upstream's body is about to be relayed, to relay it as it arrived: when the upstream frames it in
     * chunks, the client speaks HTTP/1.1, it is not an answer to HEAD, and nothing here rewrites it (the dashboard's
     * HTML pages are, {@link HtmlTokenScrubber}). Installs {@link ChunkedPassThrough} on {@code upstream}; true when
     * it is in place, and the response then goes out pre-chunked. Called on the upstream connection's IO thread.
     */
    boolean relayChunkedAsIs(ClientConnection upstream, ClientResponse response) {
        if (!exchange.isHttp11() || exchange.getRequestMethod().equals(Methods.HEAD)
                || (kind == UpstreamKind.DASHBOARD && HtmlTokenScrubber.rewrites(response.getResponseHeaders().getFirst(Headers.CONTENT_TYPE)))
                || !ChunkedPassThrough.install(upstream, this::bodyFailed)) {
            return false;
        }
        chunkedAsIs = true;
        return true;
    }

    /** Notes why the upstream's body was cut off (a chunk that broke the grammar), so the failure line names it. */
    private void bodyFailed(IOException e) {
        bodyFailure = e;
    }

    /** Writes the response headers on the next turn of the IO thread, unless the body already did. */
    private void flushHeadersSoon(StreamSinkConduit sink) {
        exchange.getIoThread().execute(() -> {
            if (exchange.isResponseComplete() || !exchange.getConnection().isOpen()) {
                return;
            }
            try {
                sink.flush();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "client connection failed while sending headers of {0} {1}: {2}",
                        exchange.getRequestMethod(), exchange.getRequestPath(), e.toString());
                IoUtils.safeClose(exchange.getConnection());
            }
        });
    }

    /**
     * Takes the place of the ProxyHandler's failure path (see {@link UpstreamConnection}): expected endings
     * (client gone, client's body failed, upstream closing after a complete answer) are one DEBUG line, or
     * INFO when a client leaving cut a stream short (the upstream then stops the agent's turn); an upstream
     * that fails mid-answer is one WARN line; before any answer, our 502 via {@link #proxyFailed}.
     */
    void failed(IOException cause) {
        ClientConnection c;
        synchronized (this) {
            if (failed || failureSeen) {
                return;
            }
            failureSeen = true;
            c = connection;
        }
        IoUtils.safeClose(c);
        String what = exchange.getRequestMethod() + " " + exchange.getRequestPath();
        if (clientBodyFailed) {
            LOG.log(System.Logger.Level.DEBUG, "client connection failed during the request body of {0}; the {1} request was aborted",
                    what, label);
            IoUtils.safeClose(exchange.getConnection());
            return;
        }
        if (!exchange.getConnection().isOpen()) {
            if (responded && streaming) {
                LOG.log(System.Logger.Level.INFO, "client left {0} mid-stream; closed the {1} stream, which ends its turn early",
                        what, label);
            } else {
                LOG.log(System.Logger.Level.DEBUG, "client left {0} before the {1} answered in full", what, label);
            }
            return;
        }
        if (exchange.isResponseComplete()) {
            LOG.log(System.Logger.Level.DEBUG, "{0} closed the connection after its answer to {1}", label, what);
            return;
        }
        if (exchange.isResponseStarted()) {
            IOException shown = bodyFailure != null ? bodyFailure : cause;
            LOG.log(System.Logger.Level.WARNING, "{0} at {1} broke off its answer to {2} ({3}); closing the client connection",
                    label, config.uri(), what, shown.toString());
            IoUtils.safeClose(exchange.getConnection());
            return;
        }
        // Nothing sent yet: as the ProxyHandler would, end with 503, which proxyFailed turns into our 502.
        exchange.setStatusCode(503);
        exchange.endExchange();
    }

    /** Default response listener: ProxyHandler ended the exchange without an upstream response (503/500). */
    private boolean proxyFailed() {
        synchronized (this) {
            if (responded || failed || exchange.isResponseStarted() || exchange.getStatusCode() < 500) {
                return false;
            }
            failed = true;
            cancelTimer();
        }
        if (clientBodyFailed || !exchange.getConnection().isOpen()) {
            LOG.log(System.Logger.Level.DEBUG, "client connection failed during {0} {1}; nothing to answer",
                    exchange.getRequestMethod(), exchange.getRequestPath());
            IoUtils.safeClose(exchange.getConnection());
            return false;
        }
        String what = connected ? "closed the connection before answering" : "is not reachable";
        LOG.log(System.Logger.Level.WARNING, "{0} at {1} {2} ({3} {4})", label, config.uri(), what,
                exchange.getRequestMethod(), exchange.getRequestPath());
        events.unavailable(label + " " + what);
        if (kind == UpstreamKind.PEER) {
            // A peer down is the coordinator's 503 naming it (docs/multi-machine.md), not an API server's 502.
            sendError(503, "peer_unavailable", label + " is unavailable", null);
        } else {
            sendError(502, "upstream_unavailable", label + " is unavailable", null);
        }
        return true;
    }

    private void arm(Duration d, String phase) {
        if (d.isZero()) {
            return;
        }
        cancelTimer();
        timer = WorkerUtils.executeAfter(exchange.getIoThread(), () -> fire(phase), d.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void cancelTimer() {
        if (timer != null) {
            timer.remove();
            timer = null;
        }
    }

    private void fire(String phase) {
        ClientConnection c;
        synchronized (this) {
            timer = null;
            if (failed) {
                return;
            }
            if (phase.equals("idle")) {
                long idleNanos = System.nanoTime() - lastWriteNanos;
                long limit = config.idleTimeout().toNanos();
                if (idleNanos < limit) {
                    arm(Duration.ofNanos(limit - idleNanos), "idle");
                    return;
                }
            } else if (responded) {
                return;
            }
            failed = true;
            c = connection;
        }
        if (phase.equals("idle") || exchange.isResponseStarted()) {
            LOG.log(System.Logger.Level.WARNING, "{0} silent for over {1} in {2} {3}; closing the stream", label,
                    config.idleTimeout(), exchange.getRequestMethod(), exchange.getRequestPath());
            IoUtils.safeClose(c);
            IoUtils.safeClose(exchange.getConnection());
            return;
        }
        Duration limit = phase.equals("connect") ? config.connectTimeout() : config.responseTimeout();
        if (phase.equals("connect")) {
            events.unavailable(label + " did not accept the connection within " + limit);
        }
        LOG.log(System.Logger.Level.WARNING, "{0} at {1}: no {2} within {3} ({4} {5})", label, config.uri(),
                phase.equals("connect") ? "connection" : "response", limit, exchange.getRequestMethod(), exchange.getRequestPath());
        sendError(504, "upstream_timeout", label + " did not " + (phase.equals("connect") ? "accept the connection" : "answer")
                + " within " + limit, c);
    }

    /** Sends our error, then closes the upstream connection (closing first could cut the reply short). */
    private void sendError(int status, String code, String message, ClientConnection toClose) {
        if (toClose != null) {
            exchange.addExchangeCompleteListener((ex, next) -> {
                IoUtils.safeClose(toClose);
                next.proceed();
            });
        }
        exchange.setPersistent(false);
        ErrorResponses.send(exchange, status, code, message, kind.errorType());
    }

    private void wrote(long n) {
        if (n > 0) {
            lastWriteNanos = System.nanoTime();
        }
    }

    /** Notes a failure reading the client's request body, so the failure it causes upstream is told apart. */
    private final class RequestWatch extends AbstractStreamSourceConduit<StreamSourceConduit> {
        RequestWatch(StreamSourceConduit next) {
            super(next);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            try {
                return next.read(dst);
            } catch (IOException e) {
                clientBodyFailed = true;
                throw e;
            }
        }

        @Override
        public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
            try {
                return next.read(dsts, offs, len);
            } catch (IOException e) {
                clientBodyFailed = true;
                throw e;
            }
        }

        @Override
        public long transferTo(long position, long count, java.nio.channels.FileChannel target) throws IOException {
            try {
                return next.transferTo(position, count, target);
            } catch (IOException e) {
                clientBodyFailed = true;
                throw e;
            }
        }

        @Override
        public long transferTo(long count, ByteBuffer throughBuffer, org.xnio.channels.StreamSinkChannel target) throws IOException {
            try {
                return next.transferTo(count, throughBuffer, target);
            } catch (IOException e) {
                clientBodyFailed = true;
                throw e;
            }
        }
    }

    /**
     * Notes each write towards the client, so the idle timer measures silence, not total time; with
     * {@code flushEach}, flushes after each write (see the response wrapper in {@link #install}).
     */
    private final class BodyWatch extends AbstractStreamSinkConduit<StreamSinkConduit> {
        private final boolean flushEach;

        BodyWatch(StreamSinkConduit next, boolean flushEach) {
            super(next);
            this.flushEach = flushEach;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = next.write(src);
            wrote(n);
            if (flushEach && n > 0) {
                next.flush();
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offs, int len) throws IOException {
            long n = next.write(srcs, offs, len);
            wrote(n);
            if (flushEach && n > 0) {
                next.flush();
            }
            return n;
        }

        @Override
        public int writeFinal(ByteBuffer src) throws IOException {
            int n = next.writeFinal(src);
            wrote(n);
            return n;
        }

        @Override
        public long writeFinal(ByteBuffer[] srcs, int offs, int len) throws IOException {
            long n = next.writeFinal(srcs, offs, len);
            wrote(n);
            return n;
        }

        @Override
        public long transferFrom(java.nio.channels.FileChannel src, long position, long count) throws IOException {
            long n = next.transferFrom(src, position, count);
            wrote(n);
            return n;
        }

        @Override
        public long transferFrom(StreamSourceChannel source, long count, ByteBuffer throughBuffer) throws IOException {
            long n = next.transferFrom(source, count, throughBuffer);
            wrote(n);
            return n;
        }
    }
}
