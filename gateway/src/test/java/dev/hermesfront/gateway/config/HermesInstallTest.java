package dev.hermesfront.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} without an agent option finds the local Hermes install the way scripts/install.sh lays it out. */
class HermesInstallTest {
    @TempDir
    Path dir;

    /** A checkout with a venv, as install.sh makes it: DIR/tui_gateway/entry.py, DIR/venv/bin/{python,hermes}. */
    private Path checkout(Path at) throws Exception {
        Files.createDirectories(at.resolve("tui_gateway"));
        Files.writeString(at.resolve("tui_gateway/entry.py"), "# entry\n");
        Path bin = Files.createDirectories(at.resolve("venv/bin"));
        executable(bin.resolve("python"), "#!/bin/sh\n");
        executable(bin.resolve("hermes"), "#!" + bin.resolve("python") + "\nfrom hermes_cli.main import main\n");
        return at;
    }

    private static void executable(Path f, String text) throws Exception {
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private ConfigLoader.Loaded serve(Map<String, String> env) {
        return ConfigLoader.load(new ConfigLoader.Input(Map.of(), env, dir.resolve("home"), true, false, () -> "random-token-0123456789"));
    }

    @Test
    void findsTheCheckoutBehindTheHermesShimOnPath() throws Exception {
        Path inst = checkout(dir.resolve("opt/hermes-agent"));
        Path bin = Files.createDirectories(dir.resolve("local/bin"));
        executable(bin.resolve("hermes"), "#!/usr/bin/env bash\nexec \"" + inst.resolve("venv/bin/hermes") + "\" \"$@\"\n");
        ConfigLoader.Loaded l = serve(Map.of("PATH", "/nonexistent:" + bin));
        AgentConfigCheck.assertRuns(l, inst.resolve("venv/bin/python"), inst);
        assertTrue(l.sourceOf("agent.cmd").startsWith("found: the hermes command " + bin.resolve("hermes")), l.sourceOf("agent.cmd"));
        assertTrue(l.notes().stream().anyMatch(n -> n.contains("running the local Hermes install")), l.notes().toString());
    }

    @Test
    void findsTheCheckoutBehindASymlinkedCommand() throws Exception {
        Path inst = checkout(dir.resolve("opt/hermes-agent"));
        Path bin = Files.createDirectories(dir.resolve("local/bin"));
        Files.createSymbolicLink(bin.resolve("hermes"), inst.resolve("venv/bin/hermes"));
        AgentConfigCheck.assertRuns(serve(Map.of("PATH", bin.toString())), inst.resolve("venv/bin/python"), inst);
    }

    @Test
    void findsHermesHomesCheckoutWhenNoCommandIsOnPath() throws Exception {
        Path home = dir.resolve("hermes-home");
        Path inst = checkout(home.resolve("hermes-agent"));
        ConfigLoader.Loaded l = serve(Map.of("PATH", "/nonexistent", "HERMES_HOME", home.toString()));
        AgentConfigCheck.assertRuns(l, inst.resolve("venv/bin/python"), inst);
        assertEquals("found: the checkout " + inst, l.sourceOf("agent.cmd"));
    }

    @Test
    void anExplicitAgentWinsAndNothingFoundKeepsTheClearError() throws Exception {
        Path home = dir.resolve("hermes-home");
        checkout(home.resolve("hermes-agent"));
        ConfigLoader.Loaded l = ConfigLoader.load(new ConfigLoader.Input(Map.of("agent.cmd", List.of("cat")),
                Map.of("HERMES_HOME", home.toString()), dir, true, false, () -> "random-token-0123456789"));
        assertEquals(List.of("cat"), l.agent().orElseThrow().argv());
        ConfigException e = assertThrows(ConfigException.class, () -> serve(Map.of("PATH", "/nonexistent")));
        assertTrue(e.getMessage().contains("--agent-cmd") && e.getMessage().contains("no Hermes install was found"), e.getMessage());
    }

    /** Checks the agent command a load resolved to. */
    static final class AgentConfigCheck {
        static void assertRuns(ConfigLoader.Loaded l, Path python, Path cwd) {
            AgentConfig a = l.agent().orElseThrow();
            assertEquals(List.of(python.toString(), "-m", "tui_gateway.entry"), a.argv());
            assertEquals(cwd, a.cwd().orElseThrow());
        }
    }
}
