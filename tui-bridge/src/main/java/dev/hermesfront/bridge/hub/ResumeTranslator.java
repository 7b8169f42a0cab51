package dev.hermesfront.bridge.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.FrameKind;
import dev.hermesfront.protocol.PythonJson;
import java.io.IOException;
import java.util.List;

/**
 * Rewrites a client's {@code session.resume} of a session the agent has live into {@code session.activate}
 * of it: the one call that re-binds a live session and returns its transcript and the turn in flight
 * (tui-wire.md §2.3). It sits on a client's path to the agent link, where the hub applies it:
 * <ul>
 *   <li>for a client that came back to a running agent (re-attach, or the owner from another device), whose
 *       pre-#112227 TUI recovers with the <em>live</em> id, which {@code session.resume} rejects (tui-wire.md
 *       §2.5; a <em>stored</em> id passes untouched: the agent's own fast path re-binds it, tui-wire-current.md §7);</li>
 *   <li>for a viewer, whose {@code session.resume} of the shared session's stored id is how the TUI shows it
 *       ({@code HERMES_TUI_RESUME}), see {@link Member#view}.</li>
 * </ul>
 * The rewrite is contract-valid on the current wire (strict params, tui-wire-current.md §6.2): {@code
 * session_id} plus copies of {@code profile}, {@code cols} and {@code omit_messages} only; {@code source},
 * {@code lazy}, {@code defer_history}, {@code eager_build}, {@code close_on_disconnect}, {@code inline_images}
 * and anything else are dropped. The request id is kept as the client wrote it. Stateless and thread-safe.
 */
public final class ResumeTranslator {
    /** The {@code session.resume} params that {@code session.activate} also accepts. */
    static final List<String> KEPT = List.of("profile", "cols", "omit_messages");

    private final ObjectMapper mapper;

    public ResumeTranslator(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Returns true for a {@code session.resume} or {@code session.activate} request naming a session. */
    static boolean isSessionPick(Frame f) {
        return f.kind() == FrameKind.REQUEST && f.sessionId() != null
                && ("session.resume".equals(f.method()) || "session.activate".equals(f.method()));
    }

    /** Returns {@code f} (a session.resume or session.activate request) as {@code session.activate} of {@code liveSid}. */
    public Frame toActivate(Frame f, String liveSid) {
        ObjectNode params = mapper.createObjectNode().put("session_id", liveSid);
        try {
            JsonNode given = mapper.readTree(f.text()).path("params");
            for (String k : KEPT) {
                if (given.has(k)) {
                    params.set(k, given.get(k));
                }
            }
        } catch (IOException e) {
            // the endpoint only passes valid frames; keep session_id alone
        }
        String id = f.id().json();
        String head = "{\"jsonrpc\": \"2.0\", \"id\": ";
        String text = head + id + ", \"method\": \"session.activate\", \"params\": " + PythonJson.write(params) + "}";
        return new Frame(text, FrameKind.REQUEST, f.id(), "session.activate", null, liveSid, head.length(), head.length() + id.length());
    }
}
