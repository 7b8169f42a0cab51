package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hermes-front doctor}: exit 0 on a working setup; a wrong API key fails it, named, with the fix. */
class DoctorTest {
    static final String KEY = "sk-doctor-key-0123456789";
    @TempDir
    Path home;

    private String[] run(FakeUpstream api, String key) {
        String agent = String.join(" ", TestGateway.javaMain(EchoAgent.class).argv().stream().map(a -> "'" + a + "'").toList());
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            picocli.CommandLine cl = GatewayMain.commandLine(Map.of(), home);
            cl.setErr(new PrintWriter(err));
            code = cl.execute("doctor", "--listen", "127.0.0.1:0", "--agent-cmd", agent, "--api-upstream", api.uri().toString(),
                    "--api-key", key);
        } finally {
            System.setOut(old);
        }
        return new String[] {Integer.toString(code), buf.toString(StandardCharsets.UTF_8) + err};
    }

    private static FakeUpstream api() throws Exception {
        FakeUpstream up = new FakeUpstream();
        up.handle("/v1/models", ex -> FakeUpstream.json(ex, ("Bearer " + KEY).equals(ex.getRequestHeaders().getFirst("Authorization"))
                ? 200 : 401, "{}"));
        return up;
    }

    @Test
    void exitsZeroOnAWorkingSetup() throws Exception {
        try (FakeUpstream up = api()) {
            String[] r = run(up, KEY);
            assertEquals("0", r[0], r[1]);
            for (String check : new String[] {"bind", "agent", "api", "dashboard", "peers", ".env", "identity", "sse"}) {
                assertTrue(r[1].lines().anyMatch(l -> l.matches("(ok  |skip|info)  " + java.util.regex.Pattern.quote(check) + " .*")),
                        check + " missing or failed:\n" + r[1]);
            }
            assertTrue(r[1].contains("sent gateway.ready"), r[1]);
            assertTrue(r[1].contains("unbuffered"), r[1]);
            assertFalse(r[1].contains(KEY), "the key is never printed");
        }
    }

    /** Its own instruments (the in-process front, the dry-spawned agent) log no INFO start lines into the report. */
    @Test
    void printsNoStartLinesOfItsInstruments() throws Exception {
        java.util.logging.Logger scope = java.util.logging.Logger.getLogger("dev.hermesfront");
        java.util.logging.Level old = scope.getLevel();
        java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLoggerName() != null && r.getLoggerName().startsWith("dev.hermesfront") && r.getLevel().intValue() < 900) {
                    seen.add(r.getLoggerName() + ": " + r.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        scope.setLevel(java.util.logging.Level.INFO);
        scope.addHandler(h);
        try (FakeUpstream up = api()) {
            String[] r = run(up, KEY);
            assertEquals("0", r[0], r[1]);
        } finally {
            scope.removeHandler(h);
            scope.setLevel(old);
        }
        assertTrue(seen.stream().noneMatch(m -> m.contains("listening on") || m.contains("started (pid")), String.join("\n", seen));
    }

    @Test
    void namesTheApiKeyWhenItIsWrong() throws Exception {
        try (FakeUpstream up = api()) {
            String[] r = run(up, "sk-wrong-key-0123456789");
            assertEquals("1", r[0], r[1]);
            String line = r[1].lines().filter(l -> l.startsWith("FAIL  api")).findFirst().orElse("");
            assertTrue(line.contains("API key from flag --api-key is rejected") && line.contains("fix: pass the key"), r[1]);
            assertFalse(r[1].contains("sk-wrong-key"), "the key is never printed");
        }
    }
}
