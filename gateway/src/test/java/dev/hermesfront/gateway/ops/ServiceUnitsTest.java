package dev.hermesfront.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Service units, in a temp directory only: secrets go to a 0600 file, never into the unit; dry runs write nothing. */
class ServiceUnitsTest {
    static final String SECRET = "front-secret-0123456789";
    @TempDir
    Path dir;

    private ServiceUnits.Plan plan(ServiceUnits.Platform p, Path config) {
        return new ServiceUnits.Plan(p, true, Path.of("/opt/hermes-front/bin/hermes-front"), config, dir.resolve("units"),
                dir.resolve("env/hermes-front.env"), "me", dir.resolve("logs"));
    }

    private Path config() throws Exception {
        Path c = dir.resolve("front.yaml");
        Files.writeString(c, "credentials:\n  - {name: laptop, token_env: LAPTOP_TOKEN}\npeers:\n  - {name: a, url: \"http://10.0.0.2:1\", "
                + "basic: {user: u, password_env: PEER_A_PW}}\n");
        return c;
    }

    private static String capture(ThrowingConsumer<PrintStream> body) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        body.accept(new PrintStream(buf, true, StandardCharsets.UTF_8));
        return buf.toString(StandardCharsets.UTF_8);
    }

    interface ThrowingConsumer<T> {
        void accept(T t) throws Exception;
    }

    @Test
    void secretsGoToTheEnvironmentFileNamedByTheConfigAndTheEnvironment() throws Exception {
        Path c = config();
        Map<String, String> vars = ServiceUnits.environment(Map.of("HERMES_FRONT_TOKEN", SECRET, "LAPTOP_TOKEN", "laptop-0123456789",
                "PEER_A_PW", "it's a pw", "PATH", "/usr/bin", "UNRELATED_SECRET", "x"), c);
        assertEquals(Map.of("HERMES_FRONT_TOKEN", SECRET, "LAPTOP_TOKEN", "laptop-0123456789", "PEER_A_PW", "it's a pw"), vars);
        ServiceUnits.Plan p = plan(ServiceUnits.Platform.SYSTEMD, c);
        String out = capture(o -> ServiceUnits.install(p, vars, false, o));
        String unit = Files.readString(p.unitFile());
        assertTrue(unit.contains("ExecStart=/opt/hermes-front/bin/hermes-front serve"), unit);
        assertTrue(unit.contains("Environment=HERMES_FRONT_CONFIG=" + c), unit);
        assertTrue(unit.contains("EnvironmentFile=-" + p.envFile()), unit);
        assertTrue(unit.contains("Restart=on-failure") && unit.contains("ExecReload=/bin/kill -HUP $MAINPID"), unit);
        assertTrue(unit.contains("WantedBy=default.target"), unit);
        assertFalse(unit.contains(SECRET) || unit.contains("laptop-0123456789"), unit);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p.envFile())));
        String env = Files.readString(p.envFile());
        assertTrue(env.contains("HERMES_FRONT_TOKEN=" + SECRET + "\n") && env.contains("PEER_A_PW='it'\\''s a pw'\n"), env);
        assertFalse(out.contains(SECRET), out);
        assertTrue(out.contains("systemctl --user daemon-reload && systemctl --user enable --now hermes-front"), out);

        String gone = capture(o -> ServiceUnits.uninstall(p, false, o));
        assertFalse(Files.exists(p.unitFile()) || Files.exists(p.envFile()), gone);
        assertTrue(gone.contains("systemctl --user disable --now hermes-front"), gone);
    }

    @Test
    void aDryRunPrintsBothWithSecretsRedactedAndWritesNothing() throws Exception {
        Path c = config();
        ServiceUnits.Plan p = plan(ServiceUnits.Platform.LAUNCHD, c);
        String out = capture(o -> ServiceUnits.install(p, Map.of("HERMES_FRONT_TOKEN", SECRET), true, o));
        assertFalse(Files.exists(dir.resolve("units")) || Files.exists(dir.resolve("env")));
        assertTrue(out.contains("<key>Label</key><string>dev.hermesfront.hermes-front</string>"), out);
        assertTrue(out.contains("<string>/opt/hermes-front/bin/hermes-front</string>") && out.contains("<string>serve</string>"), out);
        assertTrue(out.contains("<key>HERMES_FRONT_ENV_FILE</key>") && out.contains("<key>SuccessfulExit</key><false/>"), out);
        assertTrue(out.contains("HERMES_FRONT_TOKEN=<redacted>"), out);
        assertFalse(out.contains(SECRET), out);
    }

    @Test
    void theCommandNeedsAConfigFileAndHonoursDryRun() throws Exception {
        Path c = config();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = dev.hermesfront.gateway.GatewayMainAccess.run(Map.of("HERMES_FRONT_TOKEN", SECRET), dir, "service", "install", "--user",
                    "--dry-run", "--platform", "systemd", "--config", c.toString(), "--launcher", "/opt/hf/bin/hermes-front",
                    "--unit-dir", dir.resolve("u").toString());
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("ExecStart=/opt/hf/bin/hermes-front serve") && out.contains("HERMES_FRONT_TOKEN=<redacted>"), out);
        assertFalse(Files.exists(dir.resolve("u")));
        assertEquals(2, dev.hermesfront.gateway.GatewayMainAccess.run(Map.of(), dir, "service", "install", "--dry-run", "--platform", "systemd",
                "--launcher", "/opt/hf/bin/hermes-front"));
    }
}
