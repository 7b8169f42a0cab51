package dev.hermesfront.bridge.park;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.JsonText;
import dev.hermesfront.protocol.RequestId;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import dev.hermesfront.protocol.transcript.PythonJson;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * One agent and the client it is attached to, if any. The agent writes to this sink; frames go to the
 * attached client, or, while the agent is parked, into a bounded buffer that the next client receives
 * first, in order.
 *
 * <p>The agent's first frame ({@code gateway.ready}) is kept, and every client that attaches gets it
 * first. A first attach gets it byte for byte; a re-attach, or a client that asked ({@code ?resume=}
 * present in its URL, e.g. {@code ?resume=new}), gets it with an added {@code hermes_front} member in its
 * payload: {@code resume_id} (to ask for this agent by name with {@code ?resume=ID}), {@code reattached}
 * and {@code replayed_frames}. Adding members is safe: clients ignore unknown keys (tui-wire.md §8.5).
 *
 * <p>Re-attach translation: the Hermes TUI recovers from a dropped socket by calling {@code session.resume}
 * with its <em>live</em> session id, which the agent rejects (it takes stored keys; tui-wire.md §2.5). On a
 * re-attached connection such a call, naming a live session this agent created, is rewritten to
 * {@code session.activate}, which re-binds the session and returns its transcript and in-flight turn.
 *
 * <p>Thread-safe; all state is guarded by this object's monitor.
 */
public final class Attachment implements ClientSink {
    private static final System.Logger LOG = System.getLogger(Attachment.class.getName());
    /** How the Hermes agent starts every event frame (tui-wire.md §1.3). */
    private static final String EVENT_PREFIX = "{\"jsonrpc\": \"2.0\", \"method\": \"event\"";
    private static final Set<String> SESSION_METHODS = Set.of("session.create", "session.resume", "session.activate",
            "session.branch");

    private final String principal;
    private final String resumeId;
    private final ParkingPolicy policy;
    private final ObjectMapper mapper;
    private final FrameCodec codec;
    private final ArrayDeque<String> buffer = new ArrayDeque<>();
    private final Set<String> liveSids = new HashSet<>();
    private final Set<RequestId> pendingSessionCalls = new HashSet<>();
    private AgentLink link;
    private ClientSink client;
    private String ready;
    private long bufferedChars;
    private boolean reattached;
    private boolean announce;
    private boolean overflowed;
    private int dropped;
    private AgentExit exit;
    private Runnable onOverflowOrExit = () -> { };
    private Runnable onEnd = () -> { };
    private boolean ended;
    private final java.util.List<String> afterReady = new java.util.ArrayList<>();

    public Attachment(String principal, String resumeId, ParkingPolicy policy, ObjectMapper mapper, FrameCodec codec) {
        this.principal = principal;
        this.resumeId = resumeId;
        this.policy = policy;
        this.mapper = mapper;
        this.codec = codec;
    }

    /** Sets the link this attachment feeds, and what to run once when it ends; called once, right after the agent starts. */
    public synchronized void link(AgentLink link, Runnable onEnd) {
        this.link = link;
        this.onEnd = onEnd;
    }

    /** Stops the agent for good (idempotent) and runs the end callback once. */
    public void end() {
        AgentLink l;
        Runnable r;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            l = link;
            r = onEnd;
        }
        if (l != null) {
            l.close();
        }
        r.run();
    }

    public String principal() {
        return principal;
    }

    public String resumeId() {
        return resumeId;
    }

    /** Returns the agent link. */
    public synchronized AgentLink agent() {
        return link;
    }

    /**
     * Attaches {@code sink}: it receives the ready frame, then everything buffered, then live frames.
     *
     * @param announce add the {@code hermes_front} member to the ready frame even on a first attach
     *                 (the client asked for it); on a re-attach it is always added
     * @return the number of buffered frames replayed
     */
    public synchronized int attach(ClientSink sink, boolean announce) {
        this.announce = announce || reattached;
        int replayed = buffer.size();
        if (ready != null) {
            sink.send(readyFor(replayed));
            afterReady.forEach(sink::send);
            afterReady.clear();
        }
        while (!buffer.isEmpty()) {
            sink.send(buffer.pollFirst());
        }
        bufferedChars = 0;
        client = sink;
        if (exit != null) {
            sink.agentClosed(exit);
        }
        return replayed;
    }

    /**
     * Sends {@code frames} to the attached client right after the agent's ready frame (at once if that
     * was already sent), so that ready stays the first frame of every connection.
     */
    public synchronized void sendAfterReady(java.util.List<String> frames) {
        if (ready != null && client != null) {
            frames.forEach(client::send);
        } else {
            afterReady.addAll(frames);
        }
    }

    /**
     * Detaches the current client; later frames are buffered until {@link #attach} or overflow.
     *
     * @param unsent frames the leaving client never received; they go first in the buffer
     */
    public synchronized void detach(java.util.List<String> unsent, Runnable onOverflowOrExit) {
        client = null;
        for (int i = unsent.size() - 1; i >= 0; i--) {
            buffer.addFirst(unsent.get(i));
            bufferedChars += unsent.get(i).length();
        }
        reattached = true;
        this.onOverflowOrExit = onOverflowOrExit;
    }

    /** Returns true once the agent has sent its first frame ({@code gateway.ready}). */
    public synchronized boolean ready() {
        return ready != null;
    }

    /** Returns true while no client is attached. */
    public synchronized boolean parked() {
        return client == null;
    }

    /** Returns true once the buffer bound was exceeded while parked (the agent is then given up). */
    public synchronized boolean overflowed() {
        return overflowed;
    }

    /** Returns frames dropped because the buffer bound was exceeded. */
    public synchronized int dropped() {
        return dropped;
    }

    /** Returns frames waiting in the parked buffer. */
    public synchronized int buffered() {
        return buffer.size();
    }

    @Override
    public boolean send(String frame) {
        Runnable giveUp = null;
        synchronized (this) {
            if (ready == null) {
                ready = frame;
                if (client != null) {
                    boolean ok = client.send(readyFor(0));
                    afterReady.forEach(client::send);
                    afterReady.clear();
                    return ok;
                }
                return true;
            }
            // Events (most of the stream) never answer a call; skip them without parsing. A frame in another
            // serialization is simply decoded, so this prefix is an optimization, not a rule.
            if (!pendingSessionCalls.isEmpty() && !frame.startsWith(EVENT_PREFIX)) {
                noteSessionResponse(frame);
            }
            if (client != null && client.send(frame)) {
                return true;
            }
            // No client, or it was just cut off: keep the frame for whoever comes back.
            if (overflowed) {
                dropped++;
                return false;
            }
            if (buffer.size() + 1 > policy.maxFrames() || bufferedChars + frame.length() > policy.maxBytes()) {
                overflowed = true;
                dropped += buffer.size() + 1;
                buffer.clear();
                bufferedChars = 0;
                giveUp = onOverflowOrExit;
            } else {
                buffer.addLast(frame);
                bufferedChars += frame.length();
            }
        }
        if (giveUp != null) {
            if (policy.enabled()) {
                LOG.log(System.Logger.Level.WARNING, "parked agent of {0} overflowed its buffer; stopping it", principal);
            }
            giveUp.run();
            return false;
        }
        return true;
    }

    @Override
    public boolean awaitWritable(Duration timeout) throws InterruptedException {
        ClientSink c;
        synchronized (this) {
            c = client;
        }
        // Parked: the buffer bound, not waiting, is what limits a detached agent.
        return c == null || c.awaitWritable(timeout);
    }

    @Override
    public void agentClosed(AgentExit exit) {
        ClientSink c;
        Runnable gone;
        synchronized (this) {
            this.exit = exit;
            c = client;
            gone = onOverflowOrExit;
        }
        if (c != null) {
            c.agentClosed(exit);
        } else {
            gone.run();
        }
    }

    /** Returns the exit of the agent, or null while it runs. */
    public synchronized AgentExit exit() {
        return exit;
    }

    /**
     * Returns the text to hand the agent for a client frame: the frame itself, or, on a re-attached
     * connection, {@code session.resume} of a live session rewritten to {@code session.activate}.
     */
    public String toAgent(Frame frame) {
        if (frame.kind() != FrameKind.REQUEST || !SESSION_METHODS.contains(frame.method())) {
            return frame.text();
        }
        synchronized (this) {
            pendingSessionCalls.add(frame.id());
            if (!reattached || !frame.method().equals("session.resume")) {
                return frame.text();
            }
            String sid = sessionIdParam(frame.text());
            if (sid == null || !liveSids.contains(sid)) {
                return frame.text();
            }
            StringBuilder b = new StringBuilder(96);
            b.append("{\"jsonrpc\": \"2.0\", \"id\": ").append(frame.id().json())
                    .append(", \"method\": \"session.activate\", \"params\": {\"session_id\": ");
            JsonText.quoteInto(b, sid);
            LOG.log(System.Logger.Level.DEBUG, "re-attach: session.resume of live session rewritten to session.activate");
            return b.append("}}").toString();
        }
    }

    private String sessionIdParam(String text) {
        try {
            JsonNode sid = mapper.readTree(text).path("params").path("session_id");
            return sid.isTextual() ? sid.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Learns live session ids from the answers to session-creating calls. Caller holds the monitor. */
    private void noteSessionResponse(String frame) {
        if (!(codec.decode(frame) instanceof Decoded.Valid v) || v.frame().kind() == FrameKind.EVENT || v.frame().id() == null
                || !pendingSessionCalls.remove(v.frame().id())) {
            return;
        }
        try {
            JsonNode sid = mapper.readTree(frame).path("result").path("session_id");
            if (sid.isTextual()) {
                liveSids.add(sid.asText());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not read a session response: {0}", e.getMessage());
        }
    }

    /**
     * Returns the ready frame for the attached client: the agent's bytes unchanged, or, when announcing,
     * with the added {@code hermes_front} member. Caller holds the monitor.
     */
    private String readyFor(int replayed) {
        if (!announce) {
            return ready;
        }
        try {
            JsonNode root = mapper.readTree(ready);
            JsonNode params = root.path("params");
            if (!params.isObject() || !"gateway.ready".equals(params.path("type").asText())) {
                return ready;
            }
            JsonNode payload = params.path("payload");
            ObjectNode p = payload.isObject() ? (ObjectNode) payload : ((ObjectNode) params).putObject("payload");
            // Merge: a relay may already have named the peer it reached (hermes_front.peer).
            JsonNode hf = p.path("hermes_front");
            (hf.isObject() ? (ObjectNode) hf : p.putObject("hermes_front")).put("resume_id", resumeId).put("reattached", reattached).put("replayed_frames", replayed);
            return PythonJson.write(root);
        } catch (IOException | ClassCastException e) {
            return ready;
        }
    }
}
