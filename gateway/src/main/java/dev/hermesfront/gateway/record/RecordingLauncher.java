package dev.hermesfront.gateway.record;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.ForwardingClientSink;
import dev.hermesfront.protocol.WireFrame;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records the traffic between each client and its agent to a transcript, then passes it on unchanged:
 * a decorator around another {@link AgentLauncher} ({@code hermes-front serve|demo --record DIR}).
 *
 * <p>One file per connection in {@code DIR}, secrets redacted (docs/conformance.md, "Record mode"). What
 * is recorded is what passes between client and agent: frames the gateway answers itself (protocol
 * errors, binary messages) never reach the agent and are not in the transcript. Recording never blocks
 * the bridge: lines are queued (bounded) for one writer thread, and dropped and counted when it lags.
 * Thread-safe.
 */
public final class RecordingLauncher implements AgentLauncher {
    private static final System.Logger LOG = System.getLogger(RecordingLauncher.class.getName());
    /** Lines queued for the writer before new ones are dropped. */
    static final int QUEUE_LINES = 65_536;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final AgentLauncher delegate;
    private final TranscriptRecorder recorder;

    private RecordingLauncher(AgentLauncher delegate, TranscriptRecorder recorder) {
        this.delegate = delegate;
        this.recorder = recorder;
    }

    /** Wraps {@code delegate}, recording into {@code dir} (created when missing). */
    public static RecordingLauncher wrap(AgentLauncher delegate, Path dir) throws IOException {
        return wrap(delegate, dir, QUEUE_LINES);
    }

    static RecordingLauncher wrap(AgentLauncher delegate, Path dir, int queueLines) throws IOException {
        RecordingLauncher r = new RecordingLauncher(delegate, new TranscriptRecorder(dir, queueLines));
        LOG.log(System.Logger.Level.INFO, "recording /api/ws traffic to {0} (secrets redacted)", dir.toAbsolutePath());
        return r;
    }

    @Override
    public AgentLink open(ClientSink sink) throws IOException {
        TranscriptRecorder.Connection c = recorder.open();
        ClientSink recordingSink = new ForwardingClientSink(sink) {
            @Override
            public boolean send(WireFrame frame) {
                recorder.frame(c, "s2c", frame.text());
                return super.send(frame);
            }

            @Override
            public void agentClosed(AgentExit exit) {
                recorder.end(c, meta("close", "server", exit.reason()));
                super.agentClosed(exit);
            }
        };
        AgentLink link;
        try {
            link = delegate.open(recordingSink);
        } catch (IOException | RuntimeException e) {
            recorder.end(c, meta("close", "server", "agent failed to start"));
            throw e;
        }
        return new AgentLink() {
            @Override
            public boolean send(WireFrame frame) {
                recorder.frame(c, "c2s", frame.text());
                return link.send(frame);
            }

            @Override
            public boolean sendPrivate(WireFrame frame) {
                // An answer that carries a secret (sudo, secret, vault.*): its content never reaches the recording.
                recorder.frame(c, "c2s", redactedAnswer(frame.text()));
                return link.sendPrivate(frame);
            }

            @Override
            public void close() {
                recorder.end(c, meta("close", "client", ""));
                link.close();
            }

            @Override
            public String describe() {
                return link.describe() + " (recorded)";
            }
        };
    }

    /** Returns an answer with its {@code result} (or {@code error}) replaced by {@code "<redacted>"}; its id is kept. */
    static String redactedAnswer(String frame) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(frame);
            if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                for (String k : new String[] {"result", "error"}) {
                    if (o.has(k)) {
                        o.put(k, Redaction.REDACTED);
                    }
                }
                return JSON.writeValueAsString(o);
            }
        } catch (java.io.IOException e) {
            // not JSON: nothing of it is kept
        }
        return "{\"result\": \"" + Redaction.REDACTED + "\"}";
    }

    private static Map<String, Object> meta(String event, String by, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", event);
        m.put("by", by);
        if (!reason.isEmpty()) {
            m.put("reason", reason);
        }
        return m;
    }

    /** Returns how many transcript lines were dropped because the writer fell behind. */
    public long dropped() {
        return recorder.dropped();
    }

    @Override
    public boolean frontAnswersPings() {
        return delegate.frontAnswersPings();
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    /** Stops the wrapped launcher's agents, then writes out and closes every transcript (bounded). */
    @Override
    public void close() {
        delegate.close();
        recorder.close();
    }
}
