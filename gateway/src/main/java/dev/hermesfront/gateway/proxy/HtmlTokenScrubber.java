package dev.hermesfront.gateway.proxy;

import io.undertow.server.ConduitWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.ConduitFactory;
import io.undertow.util.Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xnio.channels.StreamSourceChannel;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Replaces the dashboard's session token in the HTML pages the front relays with
 * {@link DashboardTokenPlaceholder#VALUE}: the value of {@code window.__HERMES_SESSION_TOKEN__ = "…"}
 * whatever it is, and every other occurrence of the token the front knows (configured or read from the
 * page). The page is held until its end (at most {@link #MAX_PAGE_BYTES}; a dashboard page is a few KiB),
 * rewritten and sent chunked, without the upstream's {@code Content-Length}. A page too large to hold,
 * or one the upstream compressed although the front asked for none, is not relayed: the client
 * connection is closed. Other responses pass untouched.
 */
final class HtmlTokenScrubber {
    /** Largest HTML page rewritten, in bytes. */
    static final int MAX_PAGE_BYTES = 4 << 20;
    private static final System.Logger LOG = System.getLogger(HtmlTokenScrubber.class.getName());
    private static final Pattern ASSIGNMENT = Pattern.compile("(__HERMES_SESSION_TOKEN__\\s*=\\s*[\"'])([^\"'<>\\s]*)([\"'])");

    private HtmlTokenScrubber() {}

    /** Returns the response wrapper; {@code relaying} says whether the response is the upstream's. */
    static ConduitWrapper<StreamSinkConduit> wrapper(InnerCredential token, java.util.function.BooleanSupplier relaying) {
        return (ConduitFactory<StreamSinkConduit> factory, HttpServerExchange ex) -> {
            if (!rewrites(ex.getResponseHeaders().getFirst(Headers.CONTENT_TYPE)) || !relaying.getAsBoolean() || ex.getRequestMethod().equalToString("HEAD")) {
                return factory.create();
            }
            String encoding = ex.getResponseHeaders().getFirst(Headers.CONTENT_ENCODING);
            boolean encoded = encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity");
            ex.getResponseHeaders().remove(Headers.CONTENT_LENGTH);
            return new Scrub(factory.create(), ex, token.current(), encoded);
        };
    }

    /** True when a response of this content type (may be null) is rewritten: an HTML page. */
    static boolean rewrites(String contentType) {
        return contentType != null && contentType.strip().regionMatches(true, 0, "text/html", 0, 9);
    }

    /** Returns {@code page} with the token replaced. */
    static String scrub(String page, Optional<String> known) {
        java.util.Set<String> tokens = new java.util.LinkedHashSet<>();
        known.ifPresent(tokens::add);
        Matcher m = ASSIGNMENT.matcher(page);
        while (m.find()) {
            // The page's own token, also when the front has not learned it yet.
            tokens.add(m.group(2));
        }
        String out = ASSIGNMENT.matcher(page).replaceAll(a -> Matcher.quoteReplacement(a.group(1) + DashboardTokenPlaceholder.VALUE + a.group(3)));
        for (String t : tokens) {
            if (t.length() >= 8 && !t.equals(DashboardTokenPlaceholder.VALUE)) {
                out = out.replace(t, DashboardTokenPlaceholder.VALUE);
            }
        }
        return out;
    }

    /** Holds the page, then writes it rewritten when the proxy ends the body. */
    private static final class Scrub extends AbstractStreamSinkConduit<StreamSinkConduit> {
        private final HttpServerExchange exchange;
        private final Optional<String> known;
        private final boolean encoded;
        private final ByteArrayOutputStream page = new ByteArrayOutputStream(8192);
        private ByteBuffer pending;
        private boolean terminated;

        Scrub(StreamSinkConduit next, HttpServerExchange exchange, Optional<String> known, boolean encoded) {
            super(next);
            this.exchange = exchange;
            this.known = known;
            this.encoded = encoded;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            if (encoded || page.size() + n > MAX_PAGE_BYTES) {
                LOG.log(System.Logger.Level.WARNING, "dashboard page {0} is {1}; not relayed, since the session token in it "
                        + "could not be replaced", exchange.getRequestPath(), encoded ? "compressed" : "over " + MAX_PAGE_BYTES + " bytes");
                throw new IOException("dashboard page cannot be scrubbed");
            }
            byte[] b = new byte[n];
            src.get(b);
            page.write(b, 0, n);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offs, int len) throws IOException {
            long n = 0;
            for (int i = offs; i < offs + len; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public int writeFinal(ByteBuffer src) throws IOException {
            int n = write(src);
            terminateWrites();
            return n;
        }

        @Override
        public long writeFinal(ByteBuffer[] srcs, int offs, int len) throws IOException {
            long n = write(srcs, offs, len);
            terminateWrites();
            return n;
        }

        @Override
        public long transferFrom(FileChannel src, long position, long count) throws IOException {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(count, 65536));
            int n = src.read(b, position);
            if (n <= 0) {
                return n;
            }
            b.flip();
            return write(b);
        }

        @Override
        public long transferFrom(StreamSourceChannel source, long count, ByteBuffer throughBuffer) throws IOException {
            throughBuffer.clear();
            if (count < throughBuffer.remaining()) {
                throughBuffer.limit((int) count);
            }
            int n = source.read(throughBuffer);
            throughBuffer.flip();
            if (n > 0) {
                write(throughBuffer);
            }
            return n;
        }

        @Override
        public void terminateWrites() throws IOException {
            if (terminated) {
                return;
            }
            terminated = true;
            String text = scrub(page.toString(StandardCharsets.ISO_8859_1), known);
            pending = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public boolean flush() throws IOException {
            if (pending != null) {
                while (pending.hasRemaining()) {
                    if (next.write(pending) == 0) {
                        return false;
                    }
                }
                pending = null;
                next.terminateWrites();
            }
            return next.flush();
        }

        @Override
        public boolean isWriteShutdown() {
            return terminated;
        }
    }
}
