package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.Setting;
import dev.hermesfront.gateway.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayMainTest {
    @TempDir
    Path home;

    @Test
    void configPrintsEachEffectiveValueWithItsSourceAndNoSecret() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = GatewayMain.commandLine(Map.of("API_SERVER_KEY", "sk-very-secret-0123456789", "HERMES_FRONT_ALLOWED_HOSTS", "box.ts.net"), home)
                    .execute("config", "--basic-user", "coord:pw-secret", "--api-upstream", "http://127.0.0.1:28642");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("api.upstream") && out.contains("http://127.0.0.1:28642") && out.contains("flag --api-upstream"), out);
        assertTrue(out.contains("env API_SERVER_KEY"), out);
        assertTrue(out.contains("env HERMES_FRONT_ALLOWED_HOSTS"), out);
        assertTrue(out.contains("timeouts.idle") && out.contains("default"), out);
        assertFalse(out.contains("sk-very-secret") || out.contains("pw-secret"), out);
    }

    @Test
    void badValuesStopStartupNamingTheKey() {
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = GatewayMain.commandLine(Map.of(), home);
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("serve", "--agent-cmd", "true", "--listen", "127.0.0.1:0", "--idle-timeout", "later");
        assertEquals(2, code);
        assertTrue(err.toString().contains("--idle-timeout: \"later\" (expected: a duration such as 30s, 2m or 500ms, an ISO-8601 duration"), err.toString());
    }

    @Test
    void aNamedSubcommandIsBuiltAloneAndParsesAsInTheFullCommandLine() {
        picocli.CommandLine full = GatewayMain.commandLine(Map.of(), home);
        List<String> names = List.copyOf(full.getSubcommands().keySet());
        assertEquals(List.of("demo", "serve", "config", "doctor", "pair", "devices", "service"), names);
        for (String name : names) {
            picocli.CommandLine only = GatewayMain.commandLine(Map.of(), home, null, new String[] {name, "--help"});
            assertEquals(List.of(name), List.copyOf(only.getSubcommands().keySet()), name);
            assertEquals(full.getSubcommands().get(name).getUsageMessage(picocli.CommandLine.Help.Ansi.OFF),
                    only.getSubcommands().get(name).getUsageMessage(picocli.CommandLine.Help.Ansi.OFF), name);
        }
        // Anything else (an option, an unknown or misspelt command): every subcommand, for the root's usage and hints.
        for (String first : List.of("--help", "sreve", "--version")) {
            assertEquals(names, List.copyOf(GatewayMain.commandLine(Map.of(), home, null, new String[] {first}).getSubcommands().keySet()));
        }
    }

    private String run(Map<String, String> env, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            picocli.CommandLine cl = GatewayMain.commandLine(env, home);
            cl.setErr(new PrintWriter(err));
            for (picocli.CommandLine sub : cl.getSubcommands().values()) {
                sub.setErr(new PrintWriter(err));
            }
            code = cl.execute(args);
        } finally {
            System.setOut(old);
        }
        return code + "\n" + buf.toString(StandardCharsets.UTF_8) + err;
    }

    @Test
    void everyCommandTakesEveryFlagTheTableGivesIt() {
        for (Setting.Command c : List.of(Setting.Command.DEMO, Setting.Command.SERVE, Setting.Command.CONFIG)) {
            String help = run(Map.of(), c.name().toLowerCase(java.util.Locale.ROOT), "--help");
            for (Setting<?> s : Settings.TABLE) {
                assertEquals(s.commands().contains(c), help.contains(s.flag() + (s.label() == null ? "" : "=" + s.label())),
                        c + " help and the table disagree about " + s.flag() + ":\n" + help);
            }
        }
    }

    @Test
    void configTakesServesAgentOptionsAndEveryScalarFlag() {
        String out = run(Map.of(), "config", "--agent-cmd", "cat", "--agent-stop-grace", "7", "--spawn-burst", "3", "--ws-burst", "9",
                "--audit-log-keep", "2", "--ping-loopback");
        assertTrue(out.startsWith("0\n"), out);
        assertTrue(out.matches("(?s).*agent\\.stop_grace\\s+PT7S\\s+# flag --agent-stop-grace.*"), out);
        assertTrue(out.matches("(?s).*tui\\.spawn_burst\\s+3\\s+# flag --spawn-burst.*"), out);
        assertTrue(out.matches("(?s).*tui\\.ping_loopback\\s+true\\s+# flag --ping-loopback.*"), out);
    }

    @Test
    void aConfiguredTokenIsNeverPrintedAtStartButARandomOneIs() throws Exception {
        String configured = "configured-token-0123456789";
        GatewayConfig cfg = GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(configured));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        GatewayMain.printAttach(new PrintStream(buf, true, StandardCharsets.UTF_8), cfg, 9121, false, 5);
        String line = buf.toString(StandardCharsets.UTF_8);
        assertFalse(line.contains(configured), line);
        assertTrue(line.contains("?token=YOUR_TOKEN"), line);
        buf.reset();
        GatewayMain.printAttach(new PrintStream(buf, true, StandardCharsets.UTF_8), cfg, 9121, true, 5);
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains(configured), "a random token is shown: nobody else knows it");
    }

    @Test
    void shortSecretsAreRefusedOnANonLoopbackAddress() {
        String out = run(Map.of(), "config", "--listen", "0.0.0.0:9121", "--token", "a");
        assertTrue(out.startsWith("2\n") && out.contains("at least 16 characters"), out);
        out = run(Map.of(), "config", "--listen", "0.0.0.0:9121", "--basic-user", "coord:short");
        assertTrue(out.startsWith("2\n") && out.contains("at least 16 characters"), out);
        assertTrue(run(Map.of(), "config", "--token", "a").startsWith("0\n"), "loopback: any token");
    }

    @Test
    void aCommaInABasicPasswordInTheVariableIsWrittenAsBackslashComma() {
        String out = run(Map.of("HERMES_FRONT_BASIC_USERS", "coord:pa\\,ss-0123456789abcdef,ops:pw-0123456789abcdef"), "config");
        assertTrue(out.startsWith("0\n"), out);
        assertTrue(out.contains("coord:<redacted>") && out.contains("ops:<redacted>"), out);
        assertFalse(out.contains("ss-0123456789abcdef:<redacted>"), "no third user from a split password: " + out);
        out = run(Map.of("HERMES_FRONT_BASIC_USERS", "coord:pa,ss"), "config");
        assertTrue(out.startsWith("2\n") && out.contains("NAME:PASSWORD"), "an unescaped comma is an error, not a second user: " + out);
    }
}
