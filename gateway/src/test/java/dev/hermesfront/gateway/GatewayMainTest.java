package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.config.CommandLine;
import dev.hermesfront.gateway.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayMainTest {

    private static GatewayMain.Common demo(Map<String, String> env, String... args) {
        picocli.CommandLine cl = GatewayMain.commandLine(env);
        picocli.CommandLine.ParseResult r = cl.parseArgs(args);
        return (GatewayMain.Common) r.subcommand().commandSpec().userObject();
    }

    @Test
    void refusesANonLoopbackBindWithoutAToken() {
        ConfigException e = assertThrows(ConfigException.class, () -> demo(Map.of(), "demo", "--listen", "0.0.0.0:9121").resolve());
        assertTrue(e.getMessage().contains("refusing to listen on 0.0.0.0:9121 without a token"), e.getMessage());
    }

    @Test
    void acceptsANonLoopbackBindWithATokenFromFlagOrEnvironment() {
        assertTrue(demo(Map.of(), "demo", "--listen", "0.0.0.0:9121", "--token", "t0k").resolve().token().matches("t0k"));
        assertTrue(demo(Map.of("HERMES_FRONT_TOKEN", "fromenv"), "demo", "--listen", "0.0.0.0:9121").resolve().token().matches("fromenv"));
    }

    @Test
    void generatesARandomTokenOnLoopbackByDefault() {
        GatewayConfig a = demo(Map.of(), "demo").resolve();
        GatewayConfig b = demo(Map.of(), "demo").resolve();
        assertEquals(new InetSocketAddress("127.0.0.1", 9121), a.listen());
        assertFalse(a.token().matches(b.token().reveal()), "tokens must be random");
        assertTrue(a.token().reveal().length() >= 32);
        assertEquals("<redacted>", a.token().toString());
    }

    @Test
    void reportsBadValuesWithTheKeyAndExpectedForm() {
        picocli.CommandLine cl = GatewayMain.commandLine(Map.of());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("demo", "--listen", "localhost:abc"));
        assertEquals("hermes-front: --listen: \"localhost:abc\" (expected: host:port)", err.toString().strip());
    }

    @Test
    void splitsAgentCommandsWithoutAShell() {
        assertEquals(List.of("python", "-m", "tui_gateway.entry"), CommandLine.split("k", "python -m tui_gateway.entry"));
        assertEquals(List.of("/opt/my agent/run", "a b", "$HOME", "x;y"), CommandLine.split("k", "'/opt/my agent/run' \"a b\" $HOME x;y"));
        assertThrows(ConfigException.class, () -> CommandLine.split("k", "python 'unterminated"));
        assertThrows(ConfigException.class, () -> CommandLine.split("k", "   "));
    }

    @Test
    void printsTheExactAttachLine() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        GatewayMain.printAttach(new PrintStream(buf, true, StandardCharsets.UTF_8), new InetSocketAddress("127.0.0.1", 9121), 9121,
                dev.hermesfront.gateway.config.Secret.of("abc"), false, 12);
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("  HERMES_TUI_GATEWAY_URL='ws://127.0.0.1:9121/api/ws?token=abc' hermes --tui\n"));
    }
}
