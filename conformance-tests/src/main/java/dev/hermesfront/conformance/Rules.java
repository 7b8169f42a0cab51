package dev.hermesfront.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Holds the matching rules of the conformance suite (documented in docs/conformance.md): pool methods, captures,
 * placeholders, generated substrings, values that vary, values a target may add, optional frames, frames tolerated
 * on either side, members that depend on the host, plus per-file
 * entries (matched by name, {@code *} wildcards, applied in order) that say which target kinds a transcript
 * applies to, the close code expected per kind, the replay agent's exit at a recorded crash, and extra rules.
 * Any rule may be limited to some target kinds with {@code targets}.
 *
 * <p>The project's rules are built in ({@link #builtIn()}, the resource {@code rules.json} next to this class) and
 * apply to every transcript wherever it is; a rules file next to the transcripts, or given on the command line,
 * {@linkplain #extendedBy extends} them or replaces them. Unknown keys are errors, so a typo cannot silently
 * disable a rule. Immutable.
 */
public final class Rules {
    /** Name of the built-in rules resource, next to this class. */
    static final String BUILT_IN_RESOURCE = "rules.json";
    private static final Set<String> TOP_KEYS = Set.of("poolMethods", "captures", "placeholders", "generated", "vary", "added",
            "optional", "tolerated", "host", "files", "targets");
    private static final Set<String> FILE_KEYS = Set.of("name", "targets", "close", "agentExit", "captures", "placeholders",
            "generated", "vary", "added", "optional", "tolerated", "host", "poolMethods");
    private static final Set<String> RULE_KEYS = Set.of("path", "method", "event", "kind", "match", "pattern", "text", "regex",
            "like", "targets");

    private final String source;
    private final Common common;
    private final List<FileEntry> files;

    /** A rule and the target kinds it is limited to ({@code null}: every kind). */
    private record Scoped<T>(T rule, Set<TargetKind> targets) {
        boolean appliesTo(TargetKind kind) {
            return targets == null || targets.contains(kind);
        }
    }

    /** Rules shared by every transcript (or, inside a files entry, by the transcripts it names). */
    private record Common(Set<String> poolMethods, List<Scoped<FileRules.CaptureRule>> captures,
                          List<Scoped<FileRules.VaryRule>> vary, List<Scoped<FileRules.Placeholder>> placeholders,
                          List<Scoped<FileRules.Generated>> generated, List<Scoped<FileRules.AddedRule>> added,
                          List<Scoped<FileRules.OptionalFrame>> optional, List<Scoped<FileRules.OptionalFrame>> tolerated,
                          List<Scoped<FileRules.HostRule>> host) {
        static final Common NONE = new Common(Set.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of());

        /** Returns these rules extended by {@code more}, whose rules take precedence where the first match wins. */
        Common plus(Common more) {
            Set<String> pool = new LinkedHashSet<>(poolMethods);
            pool.addAll(more.poolMethods);
            return new Common(Set.copyOf(pool), concat(more.captures, captures), concat(more.vary, vary),
                    concat(more.placeholders, placeholders), concat(more.generated, generated), concat(more.added, added),
                    concat(optional, more.optional), concat(tolerated, more.tolerated), concat(more.host, host));
        }
    }

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
        return new Rules("(no rules)", Common.NONE, List.of());
    }

    /** Returns the project's rules built into the runner: what legitimately varies between runs of any server. */
    public static Rules builtIn() {
        try (InputStream in = Rules.class.getResourceAsStream(BUILT_IN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("built-in rules missing from the class path: " + BUILT_IN_RESOURCE);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the built-in rules", e);
        }
    }

    /**
     * Returns the rules in force: the built-in ones, extended by {@code file} when given, or replaced by it when
     * {@code replace} is true (then a file is required).
     */
    public static Rules resolve(Optional<Path> file, boolean replace) {
        if (replace) {
            return load(file.orElseThrow(() -> new IllegalArgumentException("--rules-replace needs a rules file")));
        }
        return file.map(f -> builtIn().extendedBy(load(f))).orElseGet(Rules::builtIn);
    }

    /** Reads a rules file on its own; throws {@link IllegalArgumentException} naming the file and the offending entry. */
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

    /**
     * Returns these rules extended by {@code more}: its pool methods are added, its rules are tried before these
     * where the first matching rule wins (vary, added, placeholders, generated), and its files entries are applied
     * after these.
     */
    public Rules extendedBy(Rules more) {
        List<FileEntry> all = new ArrayList<>(files);
        all.addAll(more.files);
        return new Rules(source + " + " + more.source, common.plus(more.common), List.copyOf(all));
    }

    /** Returns where these rules came from, such as {@code built-in + transcripts/rules.json}. */
    public String source() {
        return source;
    }

    /** Resolves the rules for one transcript ({@code name} without {@code .jsonl}) against one kind of target. */
    public FileRules forFile(String name, TargetKind kind) {
        Common resolved = common;
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
            // File rules come first: they are the more specific ones.
            resolved = resolved.plus(f.extra());
        }
        String skip = targets.contains(kind) ? null
                : "does not apply to a " + kind.label() + " target" + (why != null ? ": " + why : "");
        return new FileRules(name, kind, skip, resolved.poolMethods(), only(resolved.captures(), kind), only(resolved.vary(), kind),
                only(resolved.placeholders(), kind), only(resolved.generated(), kind), only(resolved.added(), kind),
                only(resolved.optional(), kind), only(resolved.tolerated(), kind), only(resolved.host(), kind),
                close == null ? OptionalInt.empty() : OptionalInt.of(close),
                agentExit == null ? OptionalInt.empty() : OptionalInt.of(agentExit));
    }

    private static <T> List<T> only(List<Scoped<T>> rules, TargetKind kind) {
        return rules.stream().filter(r -> r.appliesTo(kind)).map(Scoped::rule).toList();
    }

    private static <T> List<T> concat(List<T> first, List<T> then) {
        List<T> out = new ArrayList<>(first);
        out.addAll(then);
        return List.copyOf(out);
    }

    private static Common common(JsonNode node, String where) {
        Set<String> pool = new LinkedHashSet<>();
        for (JsonNode m : node.path("poolMethods")) {
            pool.add(m.asText());
        }
        List<Scoped<FileRules.CaptureRule>> captures = list(node, "captures", where,
                (c, at) -> new FileRules.CaptureRule(selector(c), path(c, at), why(c)));
        List<Scoped<FileRules.VaryRule>> vary = list(node, "vary", where, (v, at) -> {
            ValueMatch match;
            try {
                match = ValueMatch.parse(v.path("match").asText("any"), v.hasNonNull("pattern") ? v.get("pattern").asText() : null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage());
            }
            return new FileRules.VaryRule(selector(v), path(v, at), match, why(v));
        });
        List<Scoped<FileRules.Placeholder>> placeholders = list(node, "placeholders", where, (p, at) -> {
            if (!p.hasNonNull("text") || !p.hasNonNull("regex")) {
                throw new IllegalArgumentException(at + ": needs \"text\" and \"regex\"");
            }
            return new FileRules.Placeholder(p.get("text").asText(), regex(p.get("regex").asText(), at), why(p));
        });
        List<Scoped<FileRules.Generated>> generated = list(node, "generated", where, (g, at) -> {
            if (!g.hasNonNull("pattern")) {
                throw new IllegalArgumentException(at + ": needs \"pattern\"");
            }
            Pattern p = regex(g.get("pattern").asText(), at);
            if (p.matcher("").matches()) {
                throw new IllegalArgumentException(at + ": pattern must not match the empty string");
            }
            return new FileRules.Generated(p, why(g));
        });
        List<Scoped<FileRules.AddedRule>> added = list(node, "added", where, (a, at) -> {
            if (!a.has("like")) {
                throw new IllegalArgumentException(at + ": needs \"like\" (the value the target may add, compared under the rules)");
            }
            return new FileRules.AddedRule(selector(a), path(a, at), a.get("like").deepCopy(), why(a));
        });
        List<Scoped<FileRules.OptionalFrame>> optional = list(node, "optional", where,
                (o, at) -> new FileRules.OptionalFrame(selector(o), why(o)));
        List<Scoped<FileRules.OptionalFrame>> tolerated = list(node, "tolerated", where,
                (o, at) -> new FileRules.OptionalFrame(selector(o), why(o)));
        List<Scoped<FileRules.HostRule>> host = list(node, "host", where,
                (h, at) -> new FileRules.HostRule(selector(h), path(h, at), why(h)));
        return new Common(Set.copyOf(pool), captures, vary, placeholders, generated, added, optional, tolerated, host);
    }

    /** Parses one list of rules, each with its optional {@code targets}. */
    private static <T> List<Scoped<T>> list(JsonNode node, String key, String where,
                                            BiFunction<JsonNode, String, T> parse) {
        List<Scoped<T>> out = new ArrayList<>();
        JsonNode items = node.path(key);
        if (!items.isMissingNode() && !items.isArray()) {
            throw new IllegalArgumentException(where + ": " + key + " must be a list");
        }
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String at = where + ": " + key + "[" + i + "]";
            if (!item.isObject()) {
                throw new IllegalArgumentException(at + ": expected an object");
            }
            checkKeys(item, RULE_KEYS, at);
            out.add(new Scoped<>(parse.apply(item, at), targets(item, at)));
        }
        return List.copyOf(out);
    }

    private static FileEntry fileEntry(JsonNode f, String at) {
        checkKeys(f, FILE_KEYS, at);
        if (!f.hasNonNull("name")) {
            throw new IllegalArgumentException(at + ": needs \"name\"");
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
        return new FileEntry(glob(f.get("name").asText()), targets(f, at), why(f), close, agentExit, common(f, at));
    }

    /** Reads a {@code targets} list of kinds, or returns null when absent. */
    private static Set<TargetKind> targets(JsonNode n, String at) {
        if (!n.has("targets")) {
            return null;
        }
        if (!n.get("targets").isArray()) {
            throw new IllegalArgumentException(at + ": targets must be a list of target kinds");
        }
        Set<TargetKind> kinds = new LinkedHashSet<>();
        for (JsonNode t : n.get("targets")) {
            kinds.add(kind(t.asText(), at));
        }
        return Set.copyOf(kinds);
    }

    private static TargetKind kind(String s, String at) {
        try {
            return TargetKind.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(at + ": unknown target kind \"" + s + "\" (expected " + TargetKind.labels() + ")");
        }
    }

    private static Pattern regex(String s, String at) {
        try {
            return Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(at + ": not a regular expression: " + e.getDescription());
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
