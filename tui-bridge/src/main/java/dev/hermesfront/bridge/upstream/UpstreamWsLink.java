package dev.hermesfront.bridge.upstream;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One client's connection to an upstream {@code /api/ws}. Frames to the upstream wait in a queue
 * bounded in characters until the socket is open, then go one send at a time, in order. Frames from
 * the upstream are requested one at a time ({@code request(1)}) and only when the client's queue has
 * room: at once when it has, else from the sink's "writable again" callback ({@link ClientSink#whenWritable}).
 * No thread waits, so one slow client never holds up another link; a client that stays full is cut off by
 * its sink after its stall bound, which runs the callback too.
 */
final class UpstreamWsLink implements AgentLink, WebSocket.Listener {
    private static final System.Logger LOG = System.getLogger(UpstreamWsLink.class.getName());
    private static final long MAX_PENDING_CHARS = 64L << 20;

    private final String display;
    private final ClientSink sink;
    private final Consumer<UpstreamWsLink> onGone;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean reported = new AtomicBoolean();
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    private final StringBuilder partial = new StringBuilder();
    private long pendingChars;
    private boolean sending;
    private WebSocket ws;

    UpstreamWsLink(String display, ClientSink sink, Consumer<UpstreamWsLink> onGone) {
        this.display = display;
        this.sink = sink;
        this.onGone = onGone;
    }

    void connect(HttpClient http, URI target) {
        http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(target, this).whenComplete((w, err) -> {
            if (err != null) {
                LOG.log(System.Logger.Level.WARNING, "upstream {0} unavailable: {1}", display, rootMessage(err));
                gone(new AgentExit(-1, "upstream agent unavailable"));
                return;
            }
            if (closing.get()) {
                w.sendClose(WebSocket.NORMAL_CLOSURE, "client left");
                return;
            }
            synchronized (this) {
                ws = w;
            }
            pump();
        });
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @Override
    public boolean send(String frame) {
        synchronized (this) {
            if (closing.get() || reported.get()) {
                return false;
            }
            if (pendingChars + frame.length() > MAX_PENDING_CHARS && !pending.isEmpty()) {
                return false;
            }
            pending.addLast(frame);
            pendingChars += frame.length();
        }
        pump();
        return true;
    }

    private void pump() {
        String next;
        WebSocket w;
        synchronized (this) {
            if (sending || ws == null || pending.isEmpty()) {
                return;
            }
            next = pending.pollFirst();
            pendingChars -= next.length();
            sending = true;
            w = ws;
        }
        w.sendText(next, true).whenComplete((x, err) -> {
            synchronized (this) {
                sending = false;
            }
            if (err != null) {
                gone(new AgentExit(-1, "upstream agent connection failed"));
            } else {
                pump();
            }
        });
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (!last) {
            partial.append(data);
            webSocket.request(1);
            return null;
        }
        String frame;
        if (partial.length() == 0) {
            frame = data.toString(); // a whole message in one part (the usual case): one copy, not two
        } else {
            frame = partial.append(data).toString();
            partial.setLength(0);
        }
        if (!closing.get()) {
            sink.send(frame);
        }
        requestWhenWritable(webSocket);
        return null;
    }

    private void requestWhenWritable(WebSocket webSocket) {
        // The callback may run on the thread that drained the client's queue: request(1) never blocks.
        if (sink.whenWritable(() -> webSocket.request(1))) {
            webSocket.request(1);
        }
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, java.nio.ByteBuffer data, boolean last) {
        // The wire is text only; pass nothing binary to a client (tui-wire.md §8.1).
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        gone(new AgentExit(-1, "upstream agent closed the connection (" + statusCode + ")"));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        LOG.log(System.Logger.Level.WARNING, "upstream {0} failed: {1}", display, rootMessage(error));
        gone(new AgentExit(-1, "upstream agent connection failed"));
    }

    private void gone(AgentExit exit) {
        if (!reported.compareAndSet(false, true)) {
            return;
        }
        onGone.accept(this);
        if (!closing.get()) {
            sink.agentClosed(exit);
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        WebSocket w;
        synchronized (this) {
            w = ws;
            pending.clear();
            pendingChars = 0;
        }
        if (w != null) {
            w.sendClose(WebSocket.NORMAL_CLOSURE, "client left")
                    .orTimeout(5, TimeUnit.SECONDS)
                    .whenComplete((x, err) -> w.abort());
        }
        onGone.accept(this);
    }

    @Override
    public String describe() {
        return "upstream " + display;
    }
}
