package dev.hermesfront.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.protocol.JsonText;
import dev.hermesfront.protocol.PythonJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares a received frame with a recorded one under a transcript's {@link FileRules}, naming every
 * difference by JSON path. Exact by default: same members (in any order), same values, numbers equal and of
 * the same kind ({@code 1} is not {@code 1.0}), strings equal. Relaxations, in this order: a
 * {@code vary} rule for the path; a capture path or an already captured recorded value; a recorded string
 * holding placeholders or generated values (bound like captures); a member the recording lacks that an
 * {@code added} rule allows. Stateless apart from the captures passed in; thread-confined.
 */
final class FrameComparer {
    static final String ABSENT = "(absent)";
    private static final int SHOWN_CHARS = 240;

    private final FileRules rules;
    /** What the last {@link #compare} tolerated (host-dependent members), and the rules it used. */
    private List<Mismatch> tolerated = new ArrayList<>();
    private Set<String> applied = new LinkedHashSet<>();
    private boolean inHost;

    FrameComparer(FileRules rules) {
        this.rules = rules;
    }

    /** Compares JSON trees; bindings are made in {@code tx}, which the caller commits if it takes the match. */
    List<Mismatch> compare(FrameInfo info, JsonNode expected, JsonNode actual, Captures.Tx tx, String where) {
        tolerated = new ArrayList<>();
        applied = new LinkedHashSet<>();
        List<Mismatch> out = new ArrayList<>();
        walk(info, new ArrayList<>(), expected, actual, tx, where, out);
        return out;
    }

    /** Returns what the last comparison tolerated: members that depend on the host (rules {@code host}). */
    List<Mismatch> lastTolerated() {
        return List.copyOf(tolerated);
    }

    /** Returns the rules the last comparison used to pass a value that differs from the recording. */
    Set<String> lastApplied() {
        return Set.copyOf(applied);
    }

    /**
     * Compares byte for byte; when the bytes differ, explains where: by JSON path when both parse and differ
     * as values, else by the first differing character.
     */
    static List<Mismatch> compareExact(FrameInfo info, String expectedText, JsonNode expected, String actualText,
                                       JsonNode actual) {
        if (expectedText.equals(actualText)) {
            return List.of();
        }
        if (expected != null && actual != null) {
            List<Mismatch> tree = new FrameComparer(FileRules.strict("", TargetKind.REPLAY))
                    .compare(info, expected, actual, new Captures().begin(), "");
            if (!tree.isEmpty()) {
                return tree;
            }
        }
        int i = 0;
        while (i < expectedText.length() && i < actualText.length() && expectedText.charAt(i) == actualText.charAt(i)) {
            i++;
        }
        return List.of(new Mismatch("$", excerpt(expectedText, i), excerpt(actualText, i),
                (expected != null && actual != null ? "same JSON value, different bytes" : "different text")
                        + " from character " + i + " (member order, spacing or escapes)"));
    }

    private static String excerpt(String s, int at) {
        int from = Math.max(0, at - 30);
        int to = Math.min(s.length(), at + 50);
        return (from > 0 ? "…" : "") + s.substring(from, to) + (to < s.length() ? "…" : "");
    }

    private void walk(FrameInfo info, List<String> path, JsonNode exp, JsonNode act, Captures.Tx tx, String where,
                      List<Mismatch> out) {
        FileRules.HostRule host = inHost ? null : hostRule(info, path);
        if (host != null) {
            // A member that depends on the host: compared, but a difference is tolerated (and named), not counted.
            List<Mismatch> m = new ArrayList<>();
            if (act != null) {
                inHost = true;
                try {
                    walk(info, path, exp, act, tx, where, m);
                } finally {
                    inHost = false;
                }
            }
            if (act == null || !m.isEmpty()) {
                tolerate(path, exp, act, host, act == null ? "recorded, absent here"
                        : "differs at " + m.get(0).path() + ": " + m.get(0).reason());
            }
            return;
        }
        FileRules.VaryRule rule = varyRule(info, path);
        if (rule != null && rule.match() instanceof ValueMatch.Contains && exp != null && exp.isArray()
                && act != null && act.isArray()) {
            contains(info, path, exp, act, tx, where, out, rule);
            return;
        }
        if (rule != null) {
            Optional<String> bad = rule.match().check(exp, act);
            bad.ifPresent(r -> out.add(mismatch(path, exp, act, r + " (rule " + rule.path()
                    + (rule.why().isEmpty() ? "" : ": " + rule.why()) + ")")));
            if (bad.isEmpty() && !Objects.equals(exp, act)) {
                applied.add("vary " + rule.path());
            }
            return;
        }
        if (act == null) {
            out.add(mismatch(path, exp, null, "missing"));
            return;
        }
        if (exp.isTextual() && act.isTextual()) {
            text(info, path, exp.asText(), act.asText(), tx, where, out);
        } else if (exp.isObject() && act.isObject()) {
            object(info, path, exp, act, tx, where, out);
        } else if (exp.isArray() && act.isArray()) {
            for (int i = 0; i < Math.min(exp.size(), act.size()); i++) {
                path.add(Integer.toString(i));
                walk(info, path, exp.get(i), act.get(i), tx, where, out);
                path.remove(path.size() - 1);
            }
            if (exp.size() != act.size()) {
                out.add(new Mismatch(JsonPaths.format(path), exp.size() + " elements", act.size() + " elements",
                        "array length differs"));
            }
        } else if (exp.isNumber() && act.isNumber()) {
            if (exp.isIntegralNumber() != act.isIntegralNumber() || exp.decimalValue().compareTo(act.decimalValue()) != 0) {
                out.add(mismatch(path, exp, act, exp.isIntegralNumber() != act.isIntegralNumber()
                        ? "expected " + ValueMatch.aTypeOf(exp) + ", got " + ValueMatch.aTypeOf(act) : "different number"));
            }
        } else if (exp.getNodeType() != act.getNodeType()) {
            out.add(mismatch(path, exp, act, "expected " + ValueMatch.aTypeOf(exp) + ", got " + ValueMatch.aTypeOf(act)));
        } else if (!exp.equals(act)) {
            out.add(mismatch(path, exp, act, "different value"));
        }
    }

    /** Finds a distinct matching element of {@code act} for each element of {@code exp}, in any order. */
    private void contains(FrameInfo info, List<String> path, JsonNode exp, JsonNode act, Captures.Tx tx, String where,
                          List<Mismatch> out, FileRules.VaryRule rule) {
        boolean[] used = new boolean[act.size()];
        for (int i = 0; i < exp.size(); i++) {
            List<Mismatch> closest = null;
            int closestAt = -1;
            boolean found = false;
            for (int j = 0; j < act.size() && !found; j++) {
                if (used[j]) {
                    continue;
                }
                Captures.Tx sub = tx.child();
                List<Mismatch> m = new ArrayList<>();
                path.add(Integer.toString(j));
                walk(info, path, exp.get(i), act.get(j), sub, where, m);
                path.remove(path.size() - 1);
                if (m.isEmpty()) {
                    sub.commit();
                    used[j] = true;
                    found = true;
                } else if (closest == null || m.size() < closest.size()) {
                    closest = m;
                    closestAt = j;
                }
            }
            if (found) {
                applied.add("vary " + rule.path() + " contains");
            }
            if (!found) {
                path.add(Integer.toString(i));
                out.add(new Mismatch(JsonPaths.format(path), show(exp.get(i)),
                        closestAt < 0 ? ABSENT : show(act.get(closestAt)),
                        "no element matches recorded element " + i + " (rule " + rule.path() + " contains)"
                                + (closest == null ? "" : "; closest is element " + closestAt + ", differing at "
                                + closest.get(0).path() + ": " + closest.get(0).reason())));
                path.remove(path.size() - 1);
            }
        }
    }

    private void object(FrameInfo info, List<String> path, JsonNode exp, JsonNode act, Captures.Tx tx, String where,
                        List<Mismatch> out) {
        Iterator<String> names = exp.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            path.add(k);
            walk(info, path, exp.get(k), act.get(k), tx, where, out);
            path.remove(path.size() - 1);
        }
        Iterator<String> extra = act.fieldNames();
        while (extra.hasNext()) {
            String k = extra.next();
            if (exp.has(k)) {
                continue;
            }
            path.add(k);
            FileRules.HostRule host = inHost ? null : hostRule(info, path);
            FileRules.VaryRule rule = host != null ? null : varyRule(info, path);
            FileRules.AddedRule added = host != null || rule != null ? null : addedRule(info, path);
            if (host != null) {
                tolerate(path, null, act.get(k), host, "not in the recording");
            } else if (added != null) {
                applied.add("added " + added.path());
                // A documented addition of the target: compared with what it may look like, under the same rules.
                List<Mismatch> m = new ArrayList<>();
                walk(info, path, added.like(), act.get(k), tx, where, m);
                for (Mismatch x : m) {
                    out.add(new Mismatch(x.path(), x.expected(), x.actual(), x.reason() + " (not in the recording; rule added "
                            + added.path() + (added.why().isEmpty() ? "" : ": " + added.why()) + ")"));
                }
            } else if (rule == null || !rule.match().allowsAbsent()) {
                out.add(mismatch(path, null, act.get(k), "not in the recording"));
            }
            path.remove(path.size() - 1);
        }
    }

    private void text(FrameInfo info, List<String> path, String exp, String act, Captures.Tx tx, String where,
                      List<Mismatch> out) {
        FileRules.CaptureRule capture = exp.isEmpty() ? null : captureRule(info, path);
        if (!exp.isEmpty() && (tx.boundTo(exp) != null || capture != null)) {
            if (capture != null) {
                applied.add("capture " + capture.path());
            }
            tx.bind(exp, act, where + " " + JsonPaths.format(path))
                    .ifPresent(r -> out.add(new Mismatch(JsonPaths.format(path), JsonText.quote(exp), JsonText.quote(act), r)));
            return;
        }
        if (exp.equals(act)) {
            return;
        }
        Template t = template(exp, tx);
        String where2 = JsonPaths.format(path);
        if (t != null) {
            Matcher m = t.pattern().matcher(act);
            if (m.matches()) {
                applied.add(t.generated().isEmpty() ? "placeholders" : "generated values");
                for (int g = 0; g < t.generated().size(); g++) {
                    Optional<String> bad = tx.bindPart(t.generated().get(g), m.group("g" + g), where + " " + where2);
                    if (bad.isPresent()) {
                        out.add(new Mismatch(where2, JsonText.quote(exp), JsonText.quote(act), "generated value "
                                + JsonText.quote(t.generated().get(g)) + ": " + bad.get()));
                        return;
                    }
                }
                return;
            }
        }
        String because = t == null ? "different string"
                : "does not match the recording, " + (t.generated().isEmpty() ? "placeholders" : "generated values") + " included";
        if (exp.length() + act.length() <= 2 * SHOWN_CHARS) {
            out.add(new Mismatch(where2, JsonText.quote(exp), JsonText.quote(act), because));
            return;
        }
        // Long strings (system prompts, transcripts): show where they part.
        int i = 0;
        while (i < exp.length() && i < act.length() && exp.charAt(i) == act.charAt(i)) {
            i++;
        }
        out.add(new Mismatch(where2, JsonText.quote(excerpt(exp, i)), JsonText.quote(excerpt(act, i)),
                because + " from character " + i + " of " + exp.length()));
    }

    private FileRules.VaryRule varyRule(FrameInfo info, List<String> path) {
        for (FileRules.VaryRule r : rules.vary()) {
            if (r.selector().matches(info) && r.path().matches(path)) {
                return r;
            }
        }
        return null;
    }

    private FileRules.HostRule hostRule(FrameInfo info, List<String> path) {
        for (FileRules.HostRule r : rules.host()) {
            if (r.selector().matches(info) && r.path().matches(path)) {
                return r;
            }
        }
        return null;
    }

    private void tolerate(List<String> path, JsonNode exp, JsonNode act, FileRules.HostRule host, String what) {
        tolerated.add(mismatch(path, exp, act, "depends on the host: " + what + " (rule host " + host.path()
                + (host.why().isEmpty() ? "" : ": " + host.why()) + ")"));
        applied.add("host " + host.path());
    }

    private FileRules.AddedRule addedRule(FrameInfo info, List<String> path) {
        for (FileRules.AddedRule r : rules.added()) {
            if (r.selector().matches(info) && r.path().matches(path)) {
                return r;
            }
        }
        return null;
    }

    private FileRules.CaptureRule captureRule(FrameInfo info, List<String> path) {
        for (FileRules.CaptureRule r : rules.captures()) {
            if (r.selector().matches(info) && r.path().matches(path)) {
                return r;
            }
        }
        return null;
    }

    /**
     * A recorded string turned into a pattern: placeholders stand for their regex, generated values (rules
     * {@code generated}) for their pattern in a named group {@code g0}, {@code g1}, … (or for the live value they
     * are bound to already), everything else for itself.
     *
     * @param generated the recorded generated values, in group order
     */
    private record Template(Pattern pattern, List<String> generated) {}

    /** Returns the template of a recorded string, or null when it holds no placeholder and no generated value. */
    private Template template(String recorded, Captures.Tx tx) {
        if (rules.placeholders().isEmpty() && rules.generated().isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        List<String> generated = new ArrayList<>();
        List<Matcher> matchers = new ArrayList<>();
        for (FileRules.Generated g : rules.generated()) {
            matchers.add(g.pattern().matcher(recorded).useTransparentBounds(true).useAnchoringBounds(false));
        }
        boolean any = false;
        int i = 0;
        while (i < recorded.length()) {
            String text = null;
            String regex = null;
            for (FileRules.Placeholder p : rules.placeholders()) {
                if (recorded.startsWith(p.text(), i)) {
                    text = p.text();
                    regex = "(?:" + p.regex().pattern() + ")";
                    break;
                }
            }
            if (text == null) {
                for (int k = 0; k < matchers.size() && text == null; k++) {
                    Matcher m = matchers.get(k).region(i, recorded.length());
                    if (m.lookingAt() && m.end() > i) {
                        text = m.group();
                        Captures.Binding bound = tx.boundTo(text);
                        int seen = generated.indexOf(text);
                        if (bound != null) {
                            regex = Pattern.quote(bound.actual());
                        } else if (seen >= 0) {
                            regex = "\\k<g" + seen + ">";
                        } else {
                            regex = "(?<g" + generated.size() + ">" + rules.generated().get(k).pattern().pattern() + ")";
                            generated.add(text);
                        }
                    }
                }
            }
            if (text == null) {
                literal.append(recorded.charAt(i));
                i++;
                continue;
            }
            if (literal.length() > 0) {
                b.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
            }
            b.append(regex);
            i += text.length();
            any = true;
        }
        if (!any) {
            return null;
        }
        if (literal.length() > 0) {
            b.append(Pattern.quote(literal.toString()));
        }
        return new Template(Pattern.compile(b.toString(), Pattern.DOTALL), List.copyOf(generated));
    }

    private static Mismatch mismatch(List<String> path, JsonNode exp, JsonNode act, String reason) {
        return new Mismatch(JsonPaths.format(path), show(exp), show(act), reason);
    }

    /** Shows a value as JSON, shortened. */
    static String show(JsonNode n) {
        return n == null || n.isMissingNode() ? ABSENT : shown(PythonJson.write(n));
    }

    static String shown(String s) {
        return s.length() <= SHOWN_CHARS ? s : s.substring(0, SHOWN_CHARS) + "… (" + s.length() + " chars)";
    }
}
