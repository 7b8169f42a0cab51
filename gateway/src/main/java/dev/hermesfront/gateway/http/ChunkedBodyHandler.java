package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.Headers;
import org.xnio.conduits.ConduitStreamSourceChannel;

/**
 * Reads every chunked request body with {@link StrictChunkedSourceConduit} instead of Undertow's lenient
 * decoder, so that a malformed body fails as malformed wherever it is read: the proxy answers 400 before
 * the upstream hears of it, and an unauthenticated one is drained and dropped with one DEBUG line instead
 * of a stack trace (issue 11). Runs after {@link RequestShapeGuardHandler}, which leaves only
 * {@code Transfer-Encoding: chunked} alone, and before anything reads a body. HTTP/1.1 only (the only
 * protocol the front listens with).
 */
public final class ChunkedBodyHandler implements HttpHandler {
    private final HttpHandler next;

    public ChunkedBodyHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (ex.getRequestHeaders().contains(Headers.TRANSFER_ENCODING) && !ex.isRequestComplete()
                && ex.getConnection() instanceof HttpServerConnection c && ex.isRequestChannelAvailable()) {
            ConduitStreamSourceChannel source = c.getChannel().getSourceChannel();
            // Undertow's decoder sits on the connection's read-data conduit; ours goes on the same base instead.
            source.setConduit(new StrictChunkedSourceConduit(
                    new io.undertow.conduits.ReadDataStreamSourceConduit(c.getOriginalSourceConduit(), c), ex));
        }
        next.handleRequest(ex);
    }

    /** Returns true when {@code e} (or a cause of it) says the chunked request body was malformed. */
    public static boolean isMalformedBody(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ChunkedSyntax.InvalidChunkedBodyException) {
                return true;
            }
        }
        return false;
    }
}
