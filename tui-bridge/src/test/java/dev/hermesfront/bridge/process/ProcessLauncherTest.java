package dev.hermesfront.bridge.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.AgentExit;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real child processes ({@code sh} scripts) through {@link ProcessLauncher}: process groups, exits, oversized
 * lines, stderr. Processes are found by pid and process group through {@code /proc}; every test leaves none.
 */
class ProcessLauncherTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration GRACE = Duration.ofMillis(300);

    private final List<ProcessLauncher> launchers = new ArrayList<>();
    private final List<Long> pids = new CopyOnWriteArrayList<>();

    /** The client side: frames in a queue, the exit in a future. */
    private static final class FakeClientSink implements ClientSink {
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<AgentExit> closed = new CompletableFuture<>();

        @Override public boolean send(dev.hermesfront.protocol.WireFrame frame) { return frames.add(frame.text()); }
        @Override public boolean awaitWritable(Duration timeout) { return true; }
        @Override public void agentClosed(AgentExit exit) {
            if (!closed.complete(exit)) {
                throw new AssertionError("agentClosed called twice");
            }
        }

        String next() throws InterruptedException {
            String f = frames.poll(10, TimeUnit.SECONDS);
            assertTrue(f != null, "no frame within 10 s");
            return f;
        }
    }

    private ProcessLauncher launcher(AgentCommand cmd, ProcessGroups groups) {
        ProcessLauncher l = new ProcessLauncher(cmd, groups);
        launchers.add(l);
        return l;
    }

    private static AgentCommand sh(String script) {
        return AgentCommand.of(List.of("sh", "-c", script), null, java.util.Map.of()).withGraces(GRACE, GRACE);
    }

    private static ProcessGroups groups() {
        ProcessGroups g = ProcessGroups.detect();
        assumeTrue(g.enabled() && Files.isDirectory(Path.of("/proc/self")), "needs setsid, kill and /proc (Linux)");
        return g;
    }

    /** Reads a pid the script printed as {"child": N}, and remembers it for cleanup. */
    private long childPid(FakeClientSink sink) throws Exception {
        long pid = MAPPER.readTree(sink.next()).path("child").asLong();
        assertTrue(pid > 0);
        pids.add(pid);
        return pid;
    }

    private static long linkPid(AgentLink link) {
        return Long.parseLong(link.describe().replaceAll(".* pid (\\d+).*", "$1"));
    }

    /**
     * Waits (10 s at most) until no live process has {@code pid}. It polls: {@code onExit()} of an agent whose
     * leftover holds its stdout can wait behind the JDK's own exit handler (see {@link ProcessAgentLink#checkExit}).
     */
    private static void awaitGone(long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still alive");
    }

    /** Returns the pids whose process group is {@code pgid}, from /proc. */
    private static List<Long> group(long pgid) throws IOException {
        List<Long> members = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // after: state, ppid, pgrp, session, ...
                    if (Long.parseLong(after[2]) == pgid && !after[0].equals("Z")) {
                        members.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException gone) {
                    // exited while we looked
                }
            }
        }
        return members;
    }

    @AfterEach
    void cleanUp() {
        launchers.forEach(ProcessLauncher::close);
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void startsTheAgentAsLeaderOfItsOwnProcessGroupUnderTheSamePid() throws Exception {
        ProcessLauncher launcher = launcher(sh("echo \"{\\\"pid\\\": $$}\"; exec cat >/dev/null"), groups());
        FakeClientSink sink = new FakeClientSink();
        AgentLink link = launcher.open(sink);
        long pid = MAPPER.readTree(sink.next()).path("pid").asLong();
        assertEquals(linkPid(link), pid, "setsid execs the agent in place");
        assertEquals(List.of(pid), group(pid));
        link.close();
        awaitGone(pid);
    }

    @Test
    void tellsTheClientWhenTheAgentExitsWhileItsChildHoldsStdoutAndStopsTheChild() throws Exception {
        ProcessLauncher launcher = launcher(sh("sleep 1000 & echo \"{\\\"child\\\": $!}\"; exit 3"), groups());
        FakeClientSink sink = new FakeClientSink();
        AgentLink link = launcher.open(sink);
        long child = childPid(sink);
        // The child keeps stdout open; the exit must still reach the client (close 1011 in the gateway).
        AgentExit exit = sink.closed.get(10, TimeUnit.SECONDS);
        assertEquals(3, exit.exitCode());
        awaitGone(child);
        assertEquals(List.of(), group(linkPid(link)));
    }

    @Test
    void killsWhatTheAgentLeftBehindWhenItIgnoresSigterm() throws Exception {
        ProcessLauncher launcher = launcher(sh("trap '' TERM; sleep 1000 & echo \"{\\\"child\\\": $!}\"; exit 0"), groups());
        FakeClientSink sink = new FakeClientSink();
        AgentLink link = launcher.open(sink);
        long child = childPid(sink);
        assertEquals(0, sink.closed.get(10, TimeUnit.SECONDS).exitCode());
        awaitGone(child);
        assertEquals(List.of(), group(linkPid(link)));
    }

    @Test
    void stopsTheWholeGroupWhenTheClientLeavesAndTheAgentExitsOnStdinEof() throws Exception {
        // Like the real agent: stdin EOF ends it at once, so the group must be signalled on its exit.
        ProcessLauncher launcher = launcher(sh("sleep 1000 & echo \"{\\\"child\\\": $!}\"; cat >/dev/null; exit 0"), groups());
        FakeClientSink sink = new FakeClientSink();
        AgentLink link = launcher.open(sink);
        long child = childPid(sink);
        long pid = linkPid(link);
        link.close();
        awaitGone(pid);
        awaitGone(child);
        assertEquals(List.of(), group(pid));
        assertFalse(sink.closed.isDone(), "a client that left is not told");
    }

    @Test
    void stopsAnAgentThatIgnoresStdinEofAndSigtermWithItsGroup() throws Exception {
        ProcessLauncher launcher = launcher(sh("trap '' TERM; sleep 1000 & echo \"{\\\"child\\\": $!}\"; "
                + "while :; do sleep 1; done"), groups());
        FakeClientSink sink = new FakeClientSink();
        AgentLink link = launcher.open(sink);
        long child = childPid(sink);
        long pid = linkPid(link);
        link.close();
        awaitGone(pid);
        awaitGone(child);
        assertEquals(List.of(), group(pid));
    }

    @Test
    void shutdownKillsEveryGroupIncludingWhatExitedAgentsLeftBehind() throws Exception {
        // A long kill grace: only the launcher's close (not the per-agent timer) can have killed the leftovers.
        AgentCommand cmd = sh("trap '' TERM; sleep 1000 & echo \"{\\\"child\\\": $!}\"; cat >/dev/null")
                .withGraces(GRACE, Duration.ofSeconds(60));
        ProcessLauncher launcher = launcher(cmd, groups());
        FakeClientSink a = new FakeClientSink();
        FakeClientSink b = new FakeClientSink();
        AgentLink first = launcher.open(a);
        launcher.open(b);
        long childA = childPid(a);
        long childB = childPid(b);
        first.close();
        awaitGone(linkPid(first)); // exited on stdin EOF; its sleep ignores SIGTERM and lives on
        assertTrue(ProcessHandle.of(childA).map(ProcessHandle::isAlive).orElse(false));
        launcher.close();
        // SIGKILL was sent before close returned; the kernel ends the processes right after.
        awaitGone(childA);
        awaitGone(childB);
    }

    @Test
    void withoutProcessGroupsStillStopsChildrenSeenWhileTheAgentRan() throws Exception {
        ProcessLauncher launcher = launcher(sh("sleep 1000 & echo \"{\\\"child\\\": $!}\"; cat >/dev/null; exit 0"),
                ProcessGroups.none());
        FakeClientSink sink = new FakeClientSink();
        AgentLink link = launcher.open(sink);
        long child = childPid(sink);
        link.close();
        awaitGone(linkPid(link));
        awaitGone(child);
    }

    @Test
    void refusesAMissingProgramAtOpenAsBefore() {
        ProcessLauncher launcher = launcher(AgentCommand.of(List.of("no-such-agent-program-x7"), null, java.util.Map.of()),
                ProcessGroups.detect());
        assertThrows(IOException.class, () -> launcher.open(new FakeClientSink()));
        assertEquals(0, launcher.liveCount());
    }

    @Test
    void answersTheRequestWhoseResponseLineIsOverTheLimitAndTellsOfAnOversizedEvent() throws Exception {
        String big = "$(head -c 5000 /dev/zero | tr '\\0' a)";
        AgentCommand cmd = sh("read line; "
                + "printf '{\"jsonrpc\": \"2.0\", \"id\": \"r7\", \"result\": {\"x\": \"%s\"}}\\n' \"" + big + "\"; "
                + "printf '{\"jsonrpc\": \"2.0\", \"id\": 8, \"error\": {\"code\": 1, \"message\": \"%s\"}}\\n' \"" + big + "\"; "
                + "printf '{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"x\", \"payload\": \"%s\"}}\\n' \"" + big + "\"; "
                + "printf '{\"jsonrpc\": \"2.0\", \"id\": \"srq-1\", \"method\": \"sudo\", \"params\": {\"p\": \"%s\"}}\\n' \"" + big + "\"; "
                + "echo '{\"after\": 1}'; cat >/dev/null").withMaxLineBytes(1000);
        ProcessLauncher launcher = launcher(cmd, ProcessGroups.detect());
        FakeClientSink sink = new FakeClientSink();
        AgentLink link = launcher.open(sink);
        assertTrue(link.send("{\"jsonrpc\": \"2.0\", \"id\": \"r7\", \"method\": \"session.resume\"}"));
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": \"r7\", \"error\": {\"code\": -32051, \"message\": \"response too large for "
                + "the gateway: 5051 bytes, over its limit of 1000 bytes; the agent's answer was dropped\"}}", sink.next());
        JsonNode second = MAPPER.readTree(sink.next());
        assertEquals(8, second.path("id").asInt());
        assertEquals(-32051, second.path("error").path("code").asInt());
        for (int i = 0; i < 2; i++) {
            JsonNode event = MAPPER.readTree(sink.next());
            assertEquals("notification.show", event.path("params").path("type").asText(), event.toString());
            assertEquals("frame_dropped", event.path("params").path("payload").path("hermes_front").path("event").asText());
            assertFalse(event.has("id"));
        }
        assertEquals("{\"after\": 1}", sink.next());
        link.close();
    }

    @Test
    void readsEveryAgentsStdoutOnOnePollerThreadAndDrainsStderrWithoutThreadsOfItsOwn() throws Exception {
        ProcessLauncher launcher = launcher(sh("exec cat"), ProcessGroups.detect());
        assertTrue(launcher.pollsStdout(), "this system has the native pipe calls (Linux or macOS)");
        List<String> names = openTwentyAndEchoOnce(launcher);
        assertFalse(names.stream().anyMatch(n -> n.startsWith("agent-out-")), "no stdout reader thread per agent: " + names);
        assertTrue(names.contains("agent-stdout"), "the poller: " + names);
    }

    /** A client that says it is full until told otherwise, keeping the "writable again" callback. */
    private static final class FullClientSink implements ClientSink {
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        volatile boolean full = true;
        volatile Runnable writableAgain;

        @Override public boolean send(dev.hermesfront.protocol.WireFrame frame) { return frames.add(frame.text()); }
        @Override public boolean awaitWritable(Duration timeout) { return !full; }
        @Override public boolean whenWritable(Runnable callback) {
            if (!full) {
                return true;
            }
            writableAgain = callback;
            return false;
        }
        @Override public void agentClosed(AgentExit exit) { }
    }

    @Test
    void pausesAnAgentsStdoutWhileItsClientIsFullAndResumesItInOrderWhenTheClientHasRoom() throws Exception {
        ProcessLauncher launcher = launcher(sh("i=0; while [ $i -lt 3000 ]; do echo \"{\\\"n\\\": $i}\"; i=$((i+1)); done; exec cat"),
                ProcessGroups.detect());
        assertTrue(launcher.pollsStdout());
        FullClientSink sink = new FullClientSink();
        AgentLink link = launcher.open(sink);
        assertEquals("{\"n\": 0}", sink.frames.poll(10, TimeUnit.SECONDS));
        // Paused after the first read: nothing more arrives while the client stays full (the agent blocks on its pipe).
        Thread.sleep(300);
        int seen = sink.frames.size();
        Thread.sleep(300);
        assertEquals(seen, sink.frames.size(), "no frame while the client is full");
        assertTrue(seen + 1 < 3000, "the agent was paced, not read to the end: " + (seen + 1));
        assertTrue(sink.writableAgain != null);
        sink.full = false;
        sink.writableAgain.run();
        List<String> all = new ArrayList<>();
        all.add("{\"n\": 0}");
        while (all.size() < 3000) {
            String f = sink.frames.poll(10, TimeUnit.SECONDS);
            assertTrue(f != null, "frames after " + all.size());
            all.add(f);
        }
        for (int i = 0; i < 3000; i++) {
            assertEquals("{\"n\": " + i + "}", all.get(i));
        }
        link.close();
    }

    @Test
    void startsAgentsWithPosixSpawnSoTheJdkRunsNoReaperThreadForThem() throws Exception {
        ProcessLauncher launcher = launcher(sh("exec cat"), ProcessGroups.detect());
        assumeTrue(launcher.spawnsNatively(), "posix_spawn with addclosefrom_np (glibc 2.34+) or macOS");
        List<AgentLink> links = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            FakeClientSink s = new FakeClientSink();
            AgentLink link = launcher.open(s);
            links.add(link);
            assertTrue(link.send("{\"n\": " + i + "}"));
            assertEquals("{\"n\": " + i + "}", s.next());
        }
        List<String> names = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
        for (AgentLink link : links) {
            assertFalse(names.contains("process reaper (pid " + linkPid(link) + ")"), "no JDK reaper for an agent: " + names);
        }
        links.forEach(AgentLink::close);
    }

    @Test
    void aSpawnedAgentGetsItsDirectoryAndEnvironmentNoneOfTheGatewaysDescriptorsAndItsExitStatus(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        AgentCommand cmd = new AgentCommand(List.of("sh", "-c", "echo \"{\\\"cwd\\\": \\\"$(pwd)\\\", \\\"v\\\": \\\"$HF_SPAWN_TEST\\\", "
                + "\\\"fds\\\": $(ls /proc/$$/fd | wc -l)}\"; exit 7"), dir, java.util.Map.of("HF_SPAWN_TEST", "yes"), GRACE, GRACE,
                1 << 20, 1 << 20, java.time.Duration.ofSeconds(4));
        ProcessLauncher launcher = launcher(cmd, ProcessGroups.detect());
        assumeTrue(launcher.spawnsNatively() && Files.isDirectory(Path.of("/proc/self/fd")), "posix_spawn and /proc");
        FakeClientSink sink = new FakeClientSink();
        launcher.open(sink);
        var line = MAPPER.readTree(sink.next());
        assertEquals(dir.toRealPath().toString(), line.path("cwd").asText());
        assertEquals("yes", line.path("v").asText());
        // 0, 1, 2 and the command substitution's pipe: nothing of the gateway's (its jars, sockets, other agents' pipes).
        assertTrue(line.path("fds").asInt() <= 4, "descriptors in the agent: " + line);
        assertEquals(7, sink.closed.get(10, TimeUnit.SECONDS).exitCode());
    }

    @Test
    void withoutThePollerRunsOneStdoutThreadPerAgent() throws Exception {
        ProcessLauncher launcher = new ProcessLauncher(sh("exec cat"), ProcessGroups.detect(), false);
        launchers.add(launcher);
        assertFalse(launcher.pollsStdout());
        List<String> names = openTwentyAndEchoOnce(launcher);
        assertEquals(20, names.stream().filter(n -> n.startsWith("agent-out-")).count(), "one stdout reader per agent: " + names);
        assertFalse(names.contains("agent-stdout"));
    }

    /** Opens 20 agents, has each echo one frame (so every pump has run), and returns the names of the live threads. */
    private List<String> openTwentyAndEchoOnce(ProcessLauncher launcher) throws Exception {
        List<AgentLink> links = new ArrayList<>();
        List<FakeClientSink> sinks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            FakeClientSink s = new FakeClientSink();
            sinks.add(s);
            links.add(launcher.open(s));
        }
        for (int i = 0; i < 20; i++) {
            assertTrue(links.get(i).send("{\"n\": " + i + "}"));
            assertEquals("{\"n\": " + i + "}", sinks.get(i).next());
        }
        List<String> names = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName).toList();
        for (AgentLink link : links) {
            long pid = linkPid(link);
            assertFalse(names.contains("agent-err-" + pid), "no stderr thread per agent");
            assertFalse(names.contains("agent-in-" + pid), "no stdin thread per agent");
        }
        assertEquals(1, names.stream().filter("agent-stderr"::equals).count());
        assertEquals(20, launcher.stderrSources());
        assertTrue(launcher.writerThreads() <= 20, "at most one stdin writer per agent: " + launcher.writerThreads());
        links.forEach(AgentLink::close);
        return names;
    }

    @Test
    void logsStderrLinesWithThePidCutToTheBoundAndNeverBlocksAFloodingAgent() throws Exception {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        CountDownLatch sawLong = new CountDownLatch(1);
        Logger jul = Logger.getLogger(StderrPump.class.getName());
        Handler capture = new Handler() {
            @Override public void publish(LogRecord r) {
                records.add(r);
                if (String.valueOf(r.getParameters()[1]).startsWith("xxxx")) {
                    sawLong.countDown();
                }
            }
            @Override public void flush() { }
            @Override public void close() { }
        };
        jul.addHandler(capture);
        try {
            // 5 MB of stderr without reading stdin first: more than the pipe holds, so a pump that never drained
            // would leave the agent blocked before it could write its stdout line.
            ProcessLauncher launcher = launcher(sh("echo 'hello from stderr' >&2; head -c 10000 /dev/zero | tr '\\0' x >&2; "
                    + "echo >&2; head -c 5000000 /dev/zero | tr '\\0' '\\n' >&2; echo '{\"done\": 1}'; exec cat >/dev/null"),
                    ProcessGroups.detect());
            FakeClientSink sink = new FakeClientSink();
            AgentLink link = launcher.open(sink);
            assertEquals("{\"done\": 1}", sink.next());
            assertTrue(sawLong.await(10, TimeUnit.SECONDS));
            long pid = linkPid(link);
            LogRecord hello = records.stream().filter(r -> "hello from stderr".equals(r.getParameters()[1])).findFirst().orElse(null);
            assertTrue(hello != null, "the first line is logged");
            assertEquals(pid, ((Number) hello.getParameters()[0]).longValue());
            String longLine = records.stream().map(r -> String.valueOf(r.getParameters()[1])).filter(s -> s.startsWith("xxxx"))
                    .findFirst().orElseThrow();
            assertEquals("x".repeat(StderrPump.MAX_LINE_CHARS) + "…", longLine);
            assertTrue(records.size() <= StderrPump.LINES_PER_WINDOW + 2, "logged lines are bounded: " + records.size());
            link.close();
        } finally {
            jul.removeHandler(capture);
        }
    }
}
