package dev.hermesfront.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs the {@code hermes-front conformance} command: replays transcripts against a {@code /api/ws} URL and
 * reports what differs (docs/conformance.md). Exit status 0 when every applicable transcript passed, 1 when
 * at least one differed, 2 when something could not run (bad arguments, unreadable files, no connection).
 */
@Command(name = "hermes-front conformance", mixinStandardHelpOptions = true, version = "hermes-front 0.1.0",
        description = {"Replay recorded TUI JSON-RPC transcripts against an /api/ws endpoint and report every difference.",
                "Exit status: 0 all passed, 1 differences, 2 could not run."},
        sortOptions = false)
public final class ConformanceMain implements Callable<Integer> {
    /** Exit status when every transcript passed (skipped ones included). */
    static final int PASSED = 0;
    /** Exit status when at least one transcript differed. */
    static final int DIFFERENCES = 1;
    /** Exit status when a transcript could not be run at all. */
    static final int COULD_NOT_RUN = 2;
    /** Longest wait of the wire probe: long enough for a real agent to start and send gateway.ready. */
    private static final Duration PROBE_WAIT = Duration.ofSeconds(15);

    @Option(names = "--target", required = true, paramLabel = "URL",
            description = "WebSocket URL to replay against, e.g. ws://127.0.0.1:9121/api/ws?token=T")
    String target;

    @Option(names = "--kind", paramLabel = "KIND", defaultValue = "gateway",
            description = "What serves the URL: gateway (hermes-front before a real agent), upstream (the real /api/ws), "
                    + "replay (hermes-front before the replay agent) or standin (hermes-front before the current-wire "
                    + "stand-in agent). Picks per-transcript expectations from the rules (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--rules", paramLabel = "FILE",
            description = "Rules file that extends the built-in rules (default: the nearest rules.json next to or above "
                    + "the first transcript path, if any).")
    Path rulesFile;

    @Option(names = "--rules-replace",
            description = "Use the rules file (--rules, or the nearest rules.json) instead of the built-in rules, not on top of them.")
    boolean rulesReplace;

    @Option(names = "--exact", description = "Compare byte for byte and in recorded order; of the rules only targets, close codes and agent exits apply.")
    boolean exact;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "30",
            description = "Longest wait for the server frames a client frame depends on, for the last frames and for a close (default: ${DEFAULT-VALUE}).")
    double waitSeconds;

    @Option(names = "--deadline", paramLabel = "SECONDS",
            description = "Longest time for the whole run; then it reports what it has and exits 2 "
                    + "(default: 120 + transcripts x (3 x --wait + 30)).")
    Double deadlineSeconds;

    @Option(names = "--no-probe",
            description = "Do not open a first connection to find out which wire generation the target speaks "
                    + "(skipped anyway for --kind replay).")
    boolean noProbe;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report to FILE.")
    Path junitFile;

    @Option(names = {"-q", "--quiet"}, description = "Print only transcripts that did not pass, and the summary.")
    boolean quiet;

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "Transcripts (*.jsonl) or folders holding them.")
    List<Path> paths = new ArrayList<>();

    private final PrintStream out;

    ConformanceMain(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.exit(commandLine(out).execute(args));
    }

    static CommandLine commandLine(PrintStream out) {
        CommandLine cl = new CommandLine(new ConformanceMain(out));
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("hermes-front conformance: " + ex.getMessage());
            return COULD_NOT_RUN;
        });
        return cl;
    }

    @Override
    public Integer call() throws IOException {
        URI uri = targetUri();
        TargetKind targetKind;
        try {
            targetKind = TargetKind.parse(kind);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--kind: \"" + kind + "\" (expected " + TargetKind.labels() + ")");
        }
        if (!(waitSeconds > 0)) {
            throw new IllegalArgumentException("--wait: " + waitSeconds + " (expected a number of seconds > 0)");
        }
        if (deadlineSeconds != null && !(deadlineSeconds > 0)) {
            throw new IllegalArgumentException("--deadline: " + deadlineSeconds + " (expected a number of seconds > 0)");
        }
        List<Path> files = TranscriptFiles.expand(paths);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no transcripts (*.jsonl) in " + paths);
        }
        Duration wait = Duration.ofMillis(Math.round(waitSeconds * 1000));
        Deadline deadline = Deadline.in(deadlineSeconds != null ? Duration.ofMillis(Math.round(deadlineSeconds * 1000))
                : defaultDeadline(files.size(), wait));
        Optional<Path> rulesPath = rulesFile != null ? Optional.of(rulesFile) : TranscriptFiles.rulesFor(paths.get(0));
        if (rulesReplace && rulesPath.isEmpty()) {
            throw new IllegalArgumentException("--rules-replace: no rules file (give one with --rules FILE)");
        }
        // Exact mode still takes targets, close codes and agent exits from the rules; it ignores the relaxations.
        Rules rules = Rules.resolve(rulesPath, rulesReplace);
        RunOptions options = RunOptions.of(targetKind).withExact(exact).withWait(wait).withDeadline(deadline);
        String mode = (exact ? "exact, " : "") + "rules " + rules.source();
        out.println("hermes-front conformance: " + files.size() + " transcript(s) against " + ReplayRunner.redacted(uri)
                + " (kind " + targetKind.label() + ", " + mode + ")");
        WireProbe.Result wire = probe(uri, targetKind, wait, deadline);
        out.println("wire: " + wire.render());

        ReplayRunner runner = new ReplayRunner();
        List<TranscriptResult> results = new ArrayList<>();
        for (Path f : files) {
            TranscriptResult r = runner.run(f, rules, uri, options);
            results.add(r);
            if (!quiet || r.status() == TranscriptResult.Status.FAILED || r.status() == TranscriptResult.Status.ERROR) {
                out.println(r.render());
            }
        }
        long passed = results.stream().filter(TranscriptResult::passed).count();
        long failed = results.stream().filter(r -> r.status() == TranscriptResult.Status.FAILED).count();
        long errors = results.stream().filter(r -> r.status() == TranscriptResult.Status.ERROR).count();
        long skipped = results.stream().filter(r -> r.status() == TranscriptResult.Status.SKIPPED).count();
        out.println("passed " + passed + ", failed " + failed + ", could not run " + errors + ", skipped " + skipped);
        if (junitFile != null) {
            Map<String, String> props = new LinkedHashMap<>();
            props.put("target", ReplayRunner.redacted(uri));
            props.put("kind", targetKind.label());
            props.put("mode", exact ? "exact" : "rules");
            props.put("rules", rules.source());
            props.put("wire", wire.generation());
            props.put("wire.evidence", wire.evidence());
            props.put("deadline", deadline.describe());
            JUnitXml.write(junitFile, "conformance." + targetKind.label(), props, results);
            out.println("JUnit XML: " + junitFile);
        }
        return errors > 0 ? COULD_NOT_RUN : failed > 0 ? DIFFERENCES : PASSED;
    }

    /** Returns the default run deadline: 120 s, plus (3 x wait + 30 s) per transcript. */
    static Duration defaultDeadline(int transcripts, Duration wait) {
        return Duration.ofSeconds(120).plus(wait.multipliedBy(3).plusSeconds(30).multipliedBy(transcripts));
    }

    /** Finds out the target's wire generation, unless told not to or the target is the replay agent. */
    private WireProbe.Result probe(URI uri, TargetKind targetKind, Duration wait, Deadline deadline) {
        if (noProbe) {
            return new WireProbe.Result("not probed", "--no-probe");
        }
        if (targetKind == TargetKind.REPLAY) {
            return new WireProbe.Result("not probed", "the replay agent plays what was recorded");
        }
        Duration bound = deadline.leftOr(wait.compareTo(PROBE_WAIT) < 0 ? wait : PROBE_WAIT);
        return new WireProbe(HttpClient.newBuilder().connectTimeout(bound).build()).probe(uri, bound);
    }

    private URI targetUri() {
        try {
            URI uri = new URI(target);
            if (!"ws".equals(uri.getScheme()) && !"wss".equals(uri.getScheme())) {
                throw new IllegalArgumentException("--target: expected a ws:// or wss:// URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--target: not a URL (" + e.getReason() + ")");
        }
    }
}
