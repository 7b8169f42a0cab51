package dev.hermesfront.bridge.process;

import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures what N stdio agents cost the gateway's JVM (the child processes aside): starts N {@code cat} agents
 * through {@link ProcessLauncher}, has each echo one frame (so that every thread involved has run), and prints
 * the growth of threads, live heap (after a full GC), resident memory, and, when the JVM runs with
 * {@code -XX:NativeMemoryTracking=summary}, NMT's committed thread stacks and total, each per agent.
 *
 * <pre>
 * java -XX:NativeMemoryTracking=summary -cp CLASSPATH dev.hermesfront.bridge.process.StdioFootprint 1000
 * </pre>
 * Only public API is used, so the same file measures older versions of the launcher. Not a test.
 */
public final class StdioFootprint {
    private static final Pattern THREAD = Pattern.compile("-\\s+Thread \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern STACK = Pattern.compile("\\(stack: reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");

    private StdioFootprint() {}

    /** A client side that counts the frames it is sent. */
    private static final class CountingSink implements ClientSink {
        final CountDownLatch got = new CountDownLatch(1);
        @Override public boolean send(dev.hermesfront.protocol.WireFrame frame) { got.countDown(); return true; }
        @Override public boolean awaitWritable(Duration timeout) { return true; }
        @Override public void agentClosed(AgentExit exit) { }
    }

    private record Snapshot(int threads, long heapBytes, long rssKb, long nmtStackKb, long nmtThreadKb, long nmtTotalKb,
                            Map<String, Integer> threadNames) {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        ProcessLauncher launcher = new ProcessLauncher(AgentCommand.of(List.of("cat"), null, Map.of()));
        // Warm up: one agent started, used and stopped, so that classes and pools exist before the baseline.
        CountingSink warm = new CountingSink();
        AgentLink w = launcher.open(warm);
        w.send("{\"warm\": 1}");
        warm.got.await(10, TimeUnit.SECONDS);
        w.close();
        Thread.sleep(3000);
        Snapshot before = snapshot();

        List<AgentLink> links = new ArrayList<>();
        List<CountingSink> sinks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CountingSink s = new CountingSink();
            sinks.add(s);
            links.add(launcher.open(s));
        }
        for (int i = 0; i < n; i++) {
            links.get(i).send("{\"jsonrpc\": \"2.0\", \"id\": " + i + ", \"method\": \"m\"}");
        }
        for (CountingSink s : sinks) {
            if (!s.got.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("an agent did not answer");
            }
        }
        // Let idle stdin writers expire, as they do on an idle gateway.
        Thread.sleep(TimeUnit.SECONDS.toMillis(ProcessLauncher.WRITER_IDLE_SECONDS) + 1000);
        Snapshot after = snapshot();

        System.out.printf("agents=%d  java=%s%n", n, System.getProperty("java.version"));
        System.out.printf("threads: %d -> %d  (%.2f per agent)%n", before.threads, after.threads, (after.threads - before.threads) / (double) n);
        System.out.printf("live heap after GC: %.1f KB per agent%n", (after.heapBytes - before.heapBytes) / 1024.0 / n);
        System.out.printf("RSS: %.1f KB per agent%n", (after.rssKb - before.rssKb) / (double) n);
        if (after.nmtTotalKb > 0) {
            System.out.printf("NMT thread stacks committed: %.1f KB per agent; Thread total %.1f KB; all categories %.1f KB%n",
                    (after.nmtStackKb - before.nmtStackKb) / (double) n, (after.nmtThreadKb - before.nmtThreadKb) / (double) n,
                    (after.nmtTotalKb - before.nmtTotalKb) / (double) n);
        }
        Map<String, Integer> grown = new TreeMap<>();
        after.threadNames.forEach((k, v) -> {
            int d = v - before.threadNames.getOrDefault(k, 0);
            if (d != 0) {
                grown.put(k, d);
            }
        });
        System.out.println("threads added, by name: " + grown);
        links.forEach(AgentLink::close);
        launcher.close();
    }

    private static Snapshot snapshot() throws IOException, InterruptedException {
        String nmt = jcmd("VM.native_memory", "summary"); // first: its Attach Listener thread is then in both snapshots
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        Map<String, Integer> names = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            names.merge(t.getName().replaceAll("\\d+", "#"), 1, Integer::sum);
        }
        long rss = 0;
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                rss = Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        return new Snapshot(ManagementFactory.getThreadMXBean().getThreadCount(), heap, rss, group(STACK, nmt), group(THREAD, nmt),
                group(TOTAL, nmt), names);
    }

    private static long group(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Long.parseLong(m.group(2)) : 0;
    }

    private static String jcmd(String... args) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return "";
        }
        List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(ProcessHandle.current().pid())));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
