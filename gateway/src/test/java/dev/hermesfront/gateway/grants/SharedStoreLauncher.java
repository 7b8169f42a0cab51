package dev.hermesfront.gateway.grants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.current.CurrentWireAgent;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.PythonJson;
import dev.hermesfront.protocol.WireFrame;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The current-wire stand-in with what the real agent has and the stand-in lacks: one stored-session database shared
 * by every agent process ({@code session.list}, {@code session.most_recent}, {@code session.resume} of any stored id,
 * {@code session.delete}), each stored session remembering its first prompt as its preview. For F6 tests.
 */
final class SharedStoreLauncher implements AgentLauncher {
    private final ObjectMapper mapper = AgentJson.newMapper();
    private final FrameCodec codec = new FrameCodec();
    /** Stored id → first prompt, oldest first: the shared state.db. */
    private final Map<String, String> store = new LinkedHashMap<>();

    @Override
    public AgentLink open(ClientSink sink) {
        Map<String, String> storedByLive = new LinkedHashMap<>();
        CurrentWireAgent agent = new CurrentWireAgent(mapper, codec, new SecureRandom(), Clock.systemUTC(), frame -> {
            learn(frame, storedByLive);
            sink.send(frame);
        });
        return new AgentLink() {
            @Override
            public boolean send(WireFrame wire) {
                String frame = wire.text();
                if (!intercept(frame, sink, storedByLive)) {
                    agent.accept(frame);
                }
                return true;
            }

            @Override
            public void close() {
                agent.stop();
            }

            @Override
            public String describe() {
                return "shared-store stand-in";
            }
        };
    }

    private void learn(String frame, Map<String, String> storedByLive) {
        try {
            JsonNode r = mapper.readTree(frame).path("result");
            if (r.path("stored_session_id").isTextual() && r.path("session_id").isTextual()) {
                synchronized (this) {
                    store.putIfAbsent(r.path("stored_session_id").asText(), "");
                    storedByLive.put(r.path("session_id").asText(), r.path("stored_session_id").asText());
                }
            }
        } catch (IOException e) {
            // not JSON: nothing to learn
        }
    }

    private boolean intercept(String frame, ClientSink sink, Map<String, String> storedByLive) {
        JsonNode f;
        try {
            f = mapper.readTree(frame);
        } catch (IOException e) {
            return false;
        }
        String method = f.path("method").asText("");
        JsonNode p = f.path("params");
        ObjectNode out = mapper.createObjectNode().put("jsonrpc", "2.0");
        out.set("id", f.path("id"));
        synchronized (this) {
            switch (method) {
                case "prompt.submit" -> {
                    String stored = storedByLive.get(p.path("session_id").asText());
                    if (stored != null && store.getOrDefault(stored, "").isEmpty()) {
                        store.put(stored, p.path("text").asText());
                    }
                    return false;
                }
                case "session.list" -> {
                    ObjectNode r = out.putObject("result");
                    List<String> ids = new ArrayList<>(store.keySet());
                    var list = r.putArray("sessions");
                    for (String id : ids) {
                        list.addObject().put("id", id).put("title", "").put("preview", store.get(id)).put("source", "tui");
                    }
                }
                case "session.most_recent" -> {
                    List<String> ids = new ArrayList<>(store.keySet());
                    ObjectNode r = out.putObject("result");
                    if (ids.isEmpty()) {
                        r.putNull("session_id");
                    } else {
                        r.put("session_id", ids.get(ids.size() - 1));
                    }
                }
                case "session.resume" -> {
                    String stored = p.path("session_id").asText();
                    if (storedByLive.containsValue(stored)) {
                        return false;
                    }
                    if (!store.containsKey(stored)) {
                        out.putObject("error").put("code", 4007).put("message", "session not found");
                    } else {
                        ObjectNode r = out.putObject("result").put("session_id", "r" + Integer.toHexString(stored.hashCode()))
                                .put("stored_session_id", stored);
                        r.putArray("messages").addObject().put("role", "user").put("text", store.get(stored));
                    }
                }
                case "session.delete" -> {
                    String stored = p.path("session_id").asText();
                    if (store.remove(stored) == null) {
                        out.putObject("error").put("code", 4007).put("message", "session not found");
                    } else {
                        out.putObject("result").put("deleted", stored);
                    }
                }
                default -> {
                    return false;
                }
            }
        }
        sink.send(PythonJson.write(out));
        return true;
    }

    /** Adds a stored session made outside the front (the operator's CLI, or before the front ran). */
    synchronized void preexisting(String stored, String preview) {
        store.put(stored, preview);
    }

    /** Returns the stored ids in the shared store. */
    synchronized List<String> stored() {
        return new ArrayList<>(store.keySet());
    }

    @Override
    public String kind() {
        return "shared-store stand-in";
    }

    @Override
    public void close() {}
}
