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
}
