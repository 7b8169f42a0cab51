package dev.hermesfront.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Holds the matching rules of the conformance suite, read from one data file ({@code transcripts/rules.json},
 * documented in docs/conformance.md): pool methods, captures, placeholders and values that vary, shared by
 * every transcript, optional frames, plus per-file entries (matched by name, {@code *} wildcards, applied in order) that say
 * which target kinds a transcript applies to, the close code expected per kind, the replay agent's exit at
 * a recorded crash, and extra rules. Unknown keys are errors, so a typo cannot silently disable a rule.
 * Immutable.
 */
public final class Rules {
    private static final Set<String> TOP_KEYS = Set.of("poolMethods", "captures", "placeholders", "vary", "optional", "files",
            "targets");
    private static final Set<String> FILE_KEYS = Set.of("name", "targets", "close", "agentExit", "captures", "placeholders",
            "vary", "optional", "poolMethods");
    private static final Set<String> RULE_KEYS = Set.of("path", "method", "event", "kind", "match", "pattern", "text", "regex");

    private final String source;
    private final Common common;
    private final List<FileEntry> files;

    /** Rules shared by every transcript. */
    private record Common(Set<String> poolMethods, List<FileRules.CaptureRule> captures, List<FileRules.VaryRule> vary,
                          List<FileRules.Placeholder> placeholders, List<FileRules.OptionalFrame> optional) {}

    /** One {@code files} entry. */
    private record FileEntry(Pattern name, Set<TargetKind> targets, String why, Map<TargetKind, Integer> close,
                             Integer agentExit, Common extra) {}

    private Rules(String source, Common common, List<FileEntry> files) {
        this.source = source;
        this.common = common;
        this.files = files;
    }

    /** Returns rules that relax nothing: every frame is compared exactly as recorded. */
    public static Rules none() {
        return new Rules("(no rules)", new Common(Set.of(), List.of(), List.of(), List.of(), List.of()), List.of());
    }

    /** Reads a rules file; throws {@link IllegalArgumentException} naming the file and the offending entry. */
    public static Rules load(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rules " + file, e);
        }
    }

    /** Parses rules JSON; {@code source} names it in error messages. */
    public static Rules parse(String json, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        checkKeys(root, TOP_KEYS, source);
        Common common = common(root, source);
        List<FileEntry> files = new ArrayList<>();
        JsonNode list = root.path("files");
        for (int i = 0; i < list.size(); i++) {
            files.add(fileEntry(list.get(i), source + ": files[" + i + "]"));
        }
        return new Rules(source, common, List.copyOf(files));
    }

    /** Returns where these rules came from. */
    public String source() {
        return source;
    }

    /** Resolves the rules for one transcript ({@code name} without {@code .jsonl}) against one kind of target. */
    public FileRules forFile(String name, TargetKind kind) {
        Set<String> pool = new LinkedHashSet<>(common.poolMethods());
        List<FileRules.CaptureRule> captures = new ArrayList<>();
        List<FileRules.VaryRule> vary = new ArrayList<>();
        List<FileRules.Placeholder> placeholders = new ArrayList<>(common.placeholders());
        List<FileRules.OptionalFrame> optional = new ArrayList<>(common.optional());
        Set<TargetKind> targets = Set.of(TargetKind.values());
        String why = null;
        Integer close = null;
        Integer agentExit = null;
        for (FileEntry f : files) {
            if (!f.name().matcher(name).matches()) {
                continue;
            }
            if (f.targets() != null) {
                targets = f.targets();
                why = f.why();
            }
            if (f.close().containsKey(kind)) {
                close = f.close().get(kind);
            }
            if (f.agentExit() != null) {
                agentExit = f.agentExit();
            }
            pool.addAll(f.extra().poolMethods());
            // File rules come first: they are the more specific ones.
            captures.addAll(0, f.extra().captures());
            vary.addAll(0, f.extra().vary());
            placeholders.addAll(f.extra().placeholders());
            optional.addAll(f.extra().optional());
        }
        captures.addAll(common.captures());
        vary.addAll(common.vary());
        String skip = targets.contains(kind) ? null
                : "does not apply to a " + kind.label() + " target" + (why != null ? ": " + why : "");
        return new FileRules(name, kind, skip, pool, captures, vary, placeholders, optional,
                close == null ? OptionalInt.empty() : OptionalInt.of(close),
                agentExit == null ? OptionalInt.empty() : OptionalInt.of(agentExit));
    }

    private static Common common(JsonNode node, String where) {
        Set<String> pool = new LinkedHashSet<>();
        for (JsonNode m : node.path("poolMethods")) {
            pool.add(m.asText());
        }
        List<FileRules.CaptureRule> captures = new ArrayList<>();
        JsonNode cs = node.path("captures");
        for (int i = 0; i < cs.size(); i++) {
            JsonNode c = cs.get(i);
            String at = where + ": captures[" + i + "]";
            checkKeys(c, RULE_KEYS, at);
            captures.add(new FileRules.CaptureRule(selector(c), path(c, at), why(c)));
        }
        List<FileRules.VaryRule> vary = new ArrayList<>();
        JsonNode vs = node.path("vary");
        for (int i = 0; i < vs.size(); i++) {
            JsonNode v = vs.get(i);
            String at = where + ": vary[" + i + "]";
            checkKeys(v, RULE_KEYS, at);
            ValueMatch match;
            try {
                match = ValueMatch.parse(v.path("match").asText("any"), v.hasNonNull("pattern") ? v.get("pattern").asText() : null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage());
            }
            vary.add(new FileRules.VaryRule(selector(v), path(v, at), match, why(v)));
        }
        List<FileRules.Placeholder> placeholders = new ArrayList<>();
        JsonNode ps = node.path("placeholders");
        for (int i = 0; i < ps.size(); i++) {
            JsonNode p = ps.get(i);
            String at = where + ": placeholders[" + i + "]";
            checkKeys(p, RULE_KEYS, at);
            if (!p.hasNonNull("text") || !p.hasNonNull("regex")) {
                throw new IllegalArgumentException(at + ": needs \"text\" and \"regex\"");
            }
            placeholders.add(new FileRules.Placeholder(p.get("text").asText(), Pattern.compile(p.get("regex").asText()), why(p)));
        }
        List<FileRules.OptionalFrame> optional = new ArrayList<>();
        JsonNode os = node.path("optional");
        for (int i = 0; i < os.size(); i++) {
            JsonNode o = os.get(i);
            checkKeys(o, RULE_KEYS, where + ": optional[" + i + "]");
            optional.add(new FileRules.OptionalFrame(selector(o), why(o)));
        }
        return new Common(Set.copyOf(pool), List.copyOf(captures), List.copyOf(vary), List.copyOf(placeholders),
                List.copyOf(optional));
    }

    private static FileEntry fileEntry(JsonNode f, String at) {
        checkKeys(f, FILE_KEYS, at);
        if (!f.hasNonNull("name")) {
            throw new IllegalArgumentException(at + ": needs \"name\"");
        }
        Set<TargetKind> targets = null;
        if (f.has("targets")) {
            targets = new LinkedHashSet<>();
            for (JsonNode t : f.get("targets")) {
                targets.add(kind(t.asText(), at));
            }
        }
        Map<TargetKind, Integer> close = new EnumMap<>(TargetKind.class);
        Iterator<Map.Entry<String, JsonNode>> it = f.path("close").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith("why")) {
                continue;
            }
            if (!e.getValue().canConvertToInt()) {
                throw new IllegalArgumentException(at + ": close." + e.getKey() + " must be a close code");
            }
            close.put(kind(e.getKey(), at), e.getValue().asInt());
        }
        Integer agentExit = f.hasNonNull("agentExit") ? f.get("agentExit").asInt() : null;
        return new FileEntry(glob(f.get("name").asText()), targets == null ? null : Set.copyOf(targets), why(f), close,
                agentExit, common(f, at));
    }

    private static TargetKind kind(String s, String at) {
        try {
            return TargetKind.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": unknown target kind \"" + s + "\" (expected replay, gateway or upstream)");
        }
    }

    private static Selector selector(JsonNode n) {
        return new Selector(text(n, "method"), text(n, "event"), text(n, "kind"));
    }

    private static PathPattern path(JsonNode n, String at) {
        if (!n.hasNonNull("path")) {
            throw new IllegalArgumentException(at + ": needs \"path\"");
        }
        try {
            return PathPattern.parse(n.get("path").asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode n, String key) {
        return n.hasNonNull(key) ? n.get(key).asText() : null;
    }

    private static String why(JsonNode n) {
        return n.path("why").asText("");
    }

    private static Pattern glob(String g) {
        String[] parts = g.split("\\*", -1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                b.append(".*");
            }
            if (!parts[i].isEmpty()) {
                b.append(Pattern.quote(parts[i]));
            }
        }
        return Pattern.compile(b.toString());
    }

    private static void checkKeys(JsonNode n, Set<String> allowed, String at) {
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!allowed.contains(k) && !k.startsWith("why") && !k.equals("about") && !k.startsWith("comment")) {
                throw new IllegalArgumentException(at + ": unknown key \"" + k + "\"");
            }
        }
    }
}
