package dev.hermesfront.gateway.proxy;

import dev.hermesfront.gateway.http.ChunkedSyntax;
import dev.hermesfront.gateway.http.ReadThroughSourceConduit;
import io.undertow.client.ClientConnection;
import io.undertow.conduits.ChunkedStreamSourceConduit;
import io.undertow.conduits.ConduitListener;
import io.undertow.util.ImmediatePooledByteBuffer;
import io.undertow.util.PooledAdaptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.conduits.AbstractConduit;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.PushBackStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * An upstream's chunked response body read as it arrived, chunk framing included, in place of Undertow's client
 * decoder: what one read of the upstream socket returns is what the client is written (the front's side then sends it
 * with {@code Transfer-Encoding: chunked} as it is, Undertow's pre-chunked response). Every byte is checked against
 * {@link ChunkedSyntax} before it is handed on: bytes that break the grammar never reach the client; what came before
 * them does, and the next read fails, which ends the response by closing both connections (the client sees a chunked
 * body that never ended, as when an upstream dies mid-chunk). When the body's last byte went by, the upstream
 * connection is told its response ended (so it can carry the next request) and any byte after it is pushed back, as
 * Undertow's decoder does.
 *
 * <p>Undertow has a pre-chunked response but no pre-chunked client response, so {@link #install} reaches, by
 * reflection, into three places of its HTTP/1.1 client: the connection's socket ({@code HttpClientConnection
 * .getConnection()}), the conduit below its decoder ({@code AbstractConduit.next}), and the decoder's finish listener
 * and push-back conduit. When any of them is not there (another Undertow), nothing is installed and the body is
 * decoded and re-chunked as before; {@code ChunkedPassThroughTest} fails on such a version, so an upgrade notices.
 * Used by one upstream connection's IO thread.
 */
final class ChunkedPassThrough extends ReadThroughSourceConduit {
    private static final System.Logger LOG = System.getLogger(ChunkedPassThrough.class.getName());
    private static final Internals INTERNALS = Internals.find();

    private final ChunkedStreamSourceConduit decoder;
    private final ConduitListener<? super ChunkedStreamSourceConduit> finished;
    private final PushBackStreamSourceConduit pushBack;
    private final StreamConnection socket;
    private final Consumer<IOException> invalid;
    private final ChunkedSyntax syntax = new ChunkedSyntax("response body");
    private boolean done;
    private IOException failure;

    private ChunkedPassThrough(StreamSourceConduit next, ChunkedStreamSourceConduit decoder,
                               ConduitListener<? super ChunkedStreamSourceConduit> finished, PushBackStreamSourceConduit pushBack,
                               StreamConnection socket, Consumer<IOException> invalid) {
        super(next);
        this.invalid = invalid;
        this.decoder = decoder;
        this.finished = finished;
        this.pushBack = pushBack;
        this.socket = socket;
    }

    /** True when this Undertow's client can be read raw (see the class comment). */
    static boolean available() {
        return INTERNALS != null;
    }

    /**
     * Puts the pass-through in place of the chunked decoder of the response {@code connection} is reading now;
     * returns false, changing nothing, when that response is not being decoded as chunked (not chunked, HEAD, a
     * length) or this Undertow's internals are not the expected ones. Call before anything read the body.
     * {@code invalid} hears of bytes that broke the grammar, just before the read that fails on them.
     */
    static boolean install(ClientConnection connection, Consumer<IOException> invalid) {
        if (INTERNALS == null) {
            return false;
        }
        try {
            StreamConnection socket = INTERNALS.socket(connection);
            if (socket == null) {
                return false;
            }
            ConduitStreamSourceChannel source = socket.getSourceChannel();
            if (!(source.getConduit() instanceof ChunkedStreamSourceConduit decoder)) {
                return false;
            }
            ChunkedPassThrough raw = INTERNALS.around(decoder, socket, invalid);
            if (raw == null) {
                return false;
            }
            source.setConduit(raw);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "chunked pass-through not installed: {0}", e.toString());
            return false;
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (done) {
            return -1;
        }
        int start = dst.position();
        int n = next.read(dst);
        if (n == -1) {
            failure = new ClosedChannelException();
            throw failure;
        }
        if (n == 0) {
            return 0;
        }
        int end = dst.position();
        ByteBuffer view = dst.duplicate();
        view.position(start).limit(end);
        try {
            syntax.scan(view);
        } catch (ChunkedSyntax.InvalidChunkedBodyException e) {
            // Hand on the valid bytes before the bad one; the failure shows on the next read (woken by resumeReads).
            failure = e;
            invalid.accept(e);
            dst.position(view.position());
            if (view.position() == start) {
                throw e;
            }
            return view.position() - start;
        }
        if (syntax.done()) {
            done = true;
            int body = view.position();
            if (body < end) {
                ByteBuffer rest = ByteBuffer.allocate(end - body);
                rest.put(dst.duplicate().position(body).limit(end)).flip();
                pushBack.pushBack(new PooledAdaptor(new ImmediatePooledByteBuffer(rest)));
                dst.position(body);
            }
            finished.handleEvent(decoder);
        }
        return dst.position() - start;
    }


    @Override
    public void terminateReads() throws IOException {
        if (!done) {
            // A body not read to its end leaves the connection mid-response: it cannot carry another request.
            IoUtils.safeClose(socket);
        }
    }

    @Override
    public void resumeReads() {
        if (failure != null || done) {
            wakeupReads(); // the socket may never become readable again to deliver them
        } else {
            next.resumeReads();
        }
    }

    @Override
    public void awaitReadable() throws IOException {
        if (failure == null && !done) {
            next.awaitReadable();
        }
    }

    @Override
    public void awaitReadable(long time, TimeUnit timeUnit) throws IOException {
        if (failure == null && !done) {
            next.awaitReadable(time, timeUnit);
        }
    }

    /** The reflective handles into Undertow's client; null when one is missing. */
    private record Internals(Class<?> connectionType, Method socket, Field next, Field finishListener, Field pushBack) {
        static Internals find() {
            try {
                Class<?> type = Class.forName("io.undertow.client.http.HttpClientConnection");
                Method socket = type.getDeclaredMethod("getConnection");
                Field next = AbstractConduit.class.getDeclaredField("next");
                Field finish = ChunkedStreamSourceConduit.class.getDeclaredField("finishListener");
                Field pushBack = ChunkedStreamSourceConduit.class.getDeclaredField("channel");
                if (!StreamConnection.class.isAssignableFrom(socket.getReturnType())
                        || !PushBackStreamSourceConduit.class.isAssignableFrom(pushBack.getType())) {
                    return null;
                }
                socket.setAccessible(true);
                next.setAccessible(true);
                finish.setAccessible(true);
                pushBack.setAccessible(true);
                return new Internals(type, socket, next, finish, pushBack);
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.log(System.Logger.Level.INFO, "upstream chunked bodies are decoded and re-chunked: this Undertow''s client "
                        + "cannot be read raw ({0})", e.toString());
                return null;
            }
        }

        StreamConnection socket(ClientConnection c) throws ReflectiveOperationException {
            return connectionType.isInstance(c) ? (StreamConnection) socket.invoke(c) : null;
        }

        @SuppressWarnings("unchecked")
        ChunkedPassThrough around(ChunkedStreamSourceConduit decoder, StreamConnection conn, Consumer<IOException> invalid) throws ReflectiveOperationException {
            Object below = next.get(decoder);
            Object listener = finishListener.get(decoder);
            Object back = pushBack.get(decoder);
            if (!(below instanceof StreamSourceConduit b) || listener == null || !(back instanceof PushBackStreamSourceConduit p)) {
                return null;
            }
            return new ChunkedPassThrough(b, decoder, (ConduitListener<? super ChunkedStreamSourceConduit>) listener, p, conn,
                    invalid);
        }
    }
}
