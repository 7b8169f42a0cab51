package dev.hermesfront.gateway.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: every line must be a
 * {@code # HELP}, a {@code # TYPE} (once per family, before its samples, of a known type) or a sample whose
 * metric name is valid, whose labels are well-formed, escaped and not repeated, and whose value is a number,
 * {@code NaN} or {@code ±Inf}; a sample must belong to a family declared with {@code # TYPE}; a histogram's
 * buckets must be cumulative and end in {@code +Inf} equal to its {@code _count}. Throws on the first violation.
 */
final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private final Map<String, String> types = new HashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {}

    static List<Sample> parse(String text) {
        PrometheusText p = new PrometheusText();
        int n = 0;
        Set<String> seenSeries = new HashSet<>();
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ")) {
                String[] f = line.substring(7).split(" ", 2);
                check(NAME.matcher(f[0]).matches(), n, "bad HELP name: " + line);
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] f = line.substring(7).split(" ");
                check(f.length == 2 && NAME.matcher(f[0]).matches() && TYPES.contains(f[1]), n, "bad TYPE: " + line);
                check(p.types.put(f[0], f[1]) == null, n, "TYPE repeated: " + line);
                continue;
            }
            check(!line.startsWith("#"), n, "unknown comment: " + line);
            Sample s = p.sample(line, n);
            check(seenSeries.add(s.name() + s.labels()), n, "series repeated: " + line);
            check(p.family(s.name()) != null, n, "sample without a TYPE: " + line);
            p.samples.add(s);
        }
        p.checkHistograms();
        return p.samples;
    }

    private String family(String name) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : new String[] {"_bucket", "_count", "_sum", "_total", "_created"}) {
            if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return null;
    }

    private Sample sample(String line, int n) {
        Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)( -?\\d+)?$").matcher(line);
        check(m.matches(), n, "bad sample: " + line);
        Map<String, String> labels = new LinkedHashMap<>();
        String body = m.group(3);
        if (body != null && !body.isEmpty()) {
            int i = 0;
            while (i < body.length()) {
                int eq = body.indexOf('=', i);
                check(eq > i, n, "bad label in " + line);
                String key = body.substring(i, eq);
                check(LABEL.matcher(key).matches(), n, "bad label name " + key);
                check(eq + 1 < body.length() && body.charAt(eq + 1) == '"', n, "unquoted label value in " + line);
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; j < body.length() && body.charAt(j) != '"'; j++) {
                    char c = body.charAt(j);
                    if (c == '\\') {
                        char e = body.charAt(++j);
                        check(e == '\\' || e == '"' || e == 'n', n, "bad escape in " + line);
                        v.append(e == 'n' ? '\n' : e);
                    } else {
                        v.append(c);
                    }
                }
                check(j < body.length(), n, "unterminated label value in " + line);
                check(labels.put(key, v.toString()) == null, n, "label repeated in " + line);
                i = j + 1;
                if (i < body.length()) {
                    check(body.charAt(i) == ',', n, "labels not comma-separated in " + line);
                    i++;
                }
            }
        }
        String raw = m.group(4);
        double value;
        switch (raw) {
            case "NaN" -> value = Double.NaN;
            case "+Inf" -> value = Double.POSITIVE_INFINITY;
            case "-Inf" -> value = Double.NEGATIVE_INFINITY;
            default -> {
                try {
                    value = Double.parseDouble(raw);
                } catch (NumberFormatException e) {
                    throw new AssertionError("line " + n + ": bad value: " + line);
                }
            }
        }
        return new Sample(m.group(1), labels, value);
    }

    private void checkHistograms() {
        for (Map.Entry<String, String> t : types.entrySet()) {
            if (!t.getValue().equals("histogram")) {
                continue;
            }
            Map<Map<String, String>, List<Sample>> series = new HashMap<>();
            for (Sample s : samples) {
                if (s.name().equals(t.getKey() + "_bucket")) {
                    Map<String, String> k = new HashMap<>(s.labels());
                    k.remove("le");
                    series.computeIfAbsent(k, x -> new ArrayList<>()).add(s);
                }
            }
            for (Map.Entry<Map<String, String>, List<Sample>> e : series.entrySet()) {
                double last = -1;
                double prevLe = Double.NEGATIVE_INFINITY;
                for (Sample b : e.getValue()) {
                    double le = b.labels().get("le").equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.labels().get("le"));
                    check(le > prevLe, 0, "buckets out of order in " + t.getKey());
                    check(b.value() >= last, 0, "buckets not cumulative in " + t.getKey());
                    prevLe = le;
                    last = b.value();
                }
                check(prevLe == Double.POSITIVE_INFINITY, 0, "no +Inf bucket in " + t.getKey());
                double count = samples.stream().filter(s -> s.name().equals(t.getKey() + "_count") && s.labels().equals(e.getKey()))
                        .mapToDouble(Sample::value).findFirst().orElse(-1);
                check(count == last, 0, "+Inf bucket differs from _count in " + t.getKey());
            }
        }
    }

    private static void check(boolean ok, int line, String what) {
        if (!ok) {
            throw new AssertionError("line " + line + ": " + what);
        }
    }
}
