package dev.hermesfront.gateway.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.ConduitReadableByteChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * A source conduit whose {@link #read(ByteBuffer)} checks or decodes what passes: scattering reads and transfers go
 * through that read too, never straight to the conduit below. The chunked-body checks on both sides of the front
 * (a client's request body, an upstream's answer passed through) are two of them.
 */
public abstract class ReadThroughSourceConduit extends AbstractStreamSourceConduit<StreamSourceConduit> {
    protected ReadThroughSourceConduit(StreamSourceConduit next) {
        super(next);
    }

    @Override
    public abstract int read(ByteBuffer dst) throws IOException;

    @Override
    public final long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        for (int i = offs; i < offs + len; i++) {
            if (dsts[i].hasRemaining()) {
                return read(dsts[i]);
            }
        }
        return 0;
    }

    @Override
    public final long transferTo(long position, long count, FileChannel target) throws IOException {
        return target.transferFrom(new ConduitReadableByteChannel(this), position, count);
    }

    @Override
    public final long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return IoUtils.transfer(new ConduitReadableByteChannel(this), count, throughBuffer, target);
    }
}
