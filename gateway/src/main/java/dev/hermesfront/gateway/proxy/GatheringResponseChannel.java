package dev.hermesfront.gateway.proxy;

import io.undertow.channels.DetachableStreamSourceChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.channels.StreamSourceChannel;

/**
 * An upstream response body read as far as it is ready: one {@link #read} goes on reading until the
 * destination is full or the upstream has nothing more ready, across chunk boundaries. Undertow's chunked
 * decoder returns at most one chunk per read, and the proxy writes each read to the client at once, so an
 * upstream that writes one SSE event per chunk cost one client write (and one chunk) per event; with this,
 * the events that arrived together leave together, in one chunk and one write, as nginx relays them.
 * Nothing waits for company: a read never blocks, and what arrived is handed on as soon as the upstream has
 * nothing more ready (the next read would return 0). Since issue 22 a chunked body that nothing rewrites is relayed
 * as it arrived instead ({@link ChunkedPassThrough}); this channel serves the bodies Undertow still decodes (the
 * dashboard's HTML pages, an HTTP/1.0 client, or an Undertow whose client cannot be read raw).
 */
final class GatheringResponseChannel extends DetachableStreamSourceChannel {

    GatheringResponseChannel(StreamSourceChannel body) {
        super(body);
    }

    @Override
    protected boolean isFinished() {
        return false; // the wrapped exchange channel knows when its response is over
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n;
            try {
                n = delegate.read(dst);
            } catch (IOException e) {
                if (total > 0) {
                    return total; // hand on what arrived; the failure shows again on the next read
                }
                throw e;
            }
            if (n <= 0) {
                return total > 0 ? total : n;
            }
            total += n;
        }
        return total;
    }

    @Override
    public long read(ByteBuffer[] dsts) throws IOException {
        return read(dsts, 0, dsts.length);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].hasRemaining()) {
                return read(dsts[i]);
            }
        }
        return 0;
    }
}
