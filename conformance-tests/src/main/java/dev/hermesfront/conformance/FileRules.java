package dev.hermesfront.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Holds the matching rules in force for one transcript against one kind of target, resolved from
 * the built-in rules and any rules file by {@link Rules#forFile}. Immutable.
 *
 * @param transcript   transcript name (file name without {@code .jsonl})
 * @param kind         target kind the rules were resolved for
 * @param skipReason   why the transcript does not apply to this kind of target, or {@code null} when it does
 * @param poolMethods  methods the agent answers from its thread pool: their responses may overtake others
 *                     (tui-wire.md §4.1, §5.1); every other request is answered in the order it was sent
 * @param captures     where generated values are captured (first sighting binds, later ones must agree)
 * @param vary         values checked by a {@link ValueMatch} instead of compared
 * @param placeholders recording placeholders and the pattern of what they stand for
 * @param generated    patterns of values a server generates inside longer strings (temporary directories, ports):
 *                     each recorded one stands for one live one, bound like a capture
 * @param added        members a target may add that the recording lacks, and what they must look like
 * @param optional     server frames that may legitimately be absent (checked like the others when they come);
 *                     nobody waits for them, and exact mode ignores this; an absent one is reported as tolerated
 * @param tolerated    server frames that may appear or not on either side (asynchronous, state-dependent, such as
 *                     {@code session.title}): absent when recorded, or arriving unrecorded; each such case is
 *                     reported as tolerated, never silently passed; exact mode ignores this
 * @param host         members that depend on the host the server runs on (the tools and skills an agent offers): present
 *                     on one side only, or different, they are reported as tolerated; exact mode ignores this
 * @param closeCode    the close code the server must end the last connection with, or empty for "as recorded"
 * @param agentExit    exit status of the replay agent at a recorded {@code eof}, or empty when it does not exit
 */
public record FileRules(String transcript, TargetKind kind, String skipReason, Set<String> poolMethods,
                        List<CaptureRule> captures, List<VaryRule> vary, List<Placeholder> placeholders,
                        List<Generated> generated, List<AddedRule> added, List<OptionalFrame> optional,
                        List<OptionalFrame> tolerated, List<HostRule> host, OptionalInt closeCode, OptionalInt agentExit) {

    /** Where a generated value is captured. */
    record CaptureRule(Selector selector, PathPattern path, String why) {}

    /** A value that legitimately varies between runs. */
    record VaryRule(Selector selector, PathPattern path, ValueMatch match, String why) {}

    /** A placeholder a recording put in place of a machine-specific value, and what it stands for. */
    record Placeholder(String text, Pattern regex, String why) {}

    /** A pattern of values the server generates inside strings; each recorded match stands for one live match. */
    record Generated(Pattern pattern, String why) {}

    /**
     * A member the target may add where the recording has none (a gateway's documented addition): it is then compared
     * with {@code like} under the same rules. Where the recording has the member, it is compared as usual.
     */
    record AddedRule(Selector selector, PathPattern path, JsonNode like, String why) {}

    /** Server frames that may be absent (or, as a tolerated rule, present or absent on either side). */
    record OptionalFrame(Selector selector, String why) {}

    /** A member whose presence and value depend on the server's host. */
    record HostRule(Selector selector, PathPattern path, String why) {}

    public FileRules {
        Objects.requireNonNull(transcript, "transcript");
        Objects.requireNonNull(kind, "kind");
        poolMethods = Set.copyOf(poolMethods);
        captures = List.copyOf(captures);
        vary = List.copyOf(vary);
        placeholders = List.copyOf(placeholders);
        generated = List.copyOf(generated);
        added = List.copyOf(added);
        optional = List.copyOf(optional);
        tolerated = List.copyOf(tolerated);
        host = List.copyOf(host);
    }

    /** Returns rules with no relaxation at all: every frame compared as recorded. */
    public static FileRules strict(String transcript, TargetKind kind) {
        return new FileRules(transcript, kind, null, Set.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of(), List.of(), OptionalInt.empty(), OptionalInt.empty());
    }

    /** Returns true when the transcript applies to the target kind. */
    public boolean applies() {
        return skipReason == null;
    }

    /** Returns true when a recorded frame may be absent. */
    boolean optional(FrameInfo f) {
        return optional.stream().anyMatch(o -> o.selector().matches(f));
    }

    /** Returns the tolerated rule for a frame that may appear or not on either side, or null. */
    OptionalFrame tolerated(FrameInfo f) {
        return tolerated.stream().filter(o -> o.selector().matches(f)).findFirst().orElse(null);
    }

    /** Returns the rule that makes a frame optional, or null. */
    OptionalFrame optionalRule(FrameInfo f) {
        return optional.stream().filter(o -> o.selector().matches(f)).findFirst().orElse(null);
    }

    /** Returns true when a request of {@code method} may be answered after requests sent later. */
    boolean pool(String method) {
        return method != null && poolMethods.contains(method);
    }
}
