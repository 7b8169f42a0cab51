package dev.hermesfront.gateway.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hermesfront.gateway.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code hermes-front service install|uninstall}: a systemd unit (Linux) or a launchd plist (macOS) that runs
 * the installed distribution's {@code bin/hermes-front serve} with the current config file, restarts it on
 * failure and reloads it with SIGHUP ({@code systemctl reload}). Secrets never go into the unit: the
 * variables that hold them ({@code HERMES_FRONT_TOKEN}, {@code HERMES_FRONT_API_KEY},
 * {@code HERMES_FRONT_DASHBOARD_TOKEN}, {@code HERMES_FRONT_BASIC_USERS}, {@code API_SERVER_KEY},
 * {@code HERMES_DASHBOARD_SESSION_TOKEN} and every variable the config file names in a {@code *_env} key),
 * when set, are written to an environment file with mode 0600 that the unit reads. {@code --dry-run} prints
 * both (the environment file with values redacted) and writes nothing. Nothing is started: the commands to
 * run are printed.
 */
public final class ServiceUnits {
    /** The service's name: unit {@code hermes-front.service}, launchd label {@code dev.hermesfront.hermes-front}. */
    public static final String NAME = "hermes-front";
    static final String LABEL = "dev.hermesfront.hermes-front";
    private static final Set<String> SECRET_VARIABLES = Set.of("HERMES_FRONT_TOKEN", "HERMES_FRONT_API_KEY", "HERMES_FRONT_DASHBOARD_TOKEN",
            "HERMES_FRONT_BASIC_USERS", "HERMES_FRONT_NOTIFY_SECRET", "API_SERVER_KEY", "HERMES_DASHBOARD_SESSION_TOKEN");
    /** Variables that are not secret but that the service needs to see the same Hermes install. */
    private static final Set<String> CARRIED = Set.of("HERMES_HOME", "HERMES_FRONT_HERMES_HOME");

    /** Where the service's files go. */
    public enum Platform { SYSTEMD, LAUNCHD }

    /**
     * What to install.
     *
     * @param platform systemd or launchd
     * @param user     a per-user service (systemd --user, a LaunchAgent) instead of a system one
     * @param launcher the distribution's {@code bin/hermes-front}, absolute
     * @param config   the YAML config file, absolute
     * @param unitDir  where the unit or plist goes
     * @param envFile  the 0600 environment file
     * @param runAs    the account a system unit runs as
     * @param logDir   launchd only: where stdout and stderr go
     */
    public record Plan(Platform platform, boolean user, Path launcher, Path config, Path unitDir, Path envFile, String runAs, Path logDir) {
        /** Returns the unit's (or plist's) path. */
        public Path unitFile() {
            return unitDir.resolve(platform == Platform.SYSTEMD ? NAME + ".service" : LABEL + ".plist");
        }
    }

    private ServiceUnits() {}

    /** Returns the platform of this machine; anything but Linux and macOS is refused. */
    public static Platform detect(String osName) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.contains("linux")) {
            return Platform.SYSTEMD;
        }
        if (os.contains("mac") || os.contains("darwin")) {
            return Platform.LAUNCHD;
        }
        throw new ConfigException("service: " + osName + " has neither systemd nor launchd; run bin/hermes-front serve under your own "
                + "service manager");
    }

    /** Returns the default unit directory and environment file for {@code platform}. */
    public static Plan defaults(Platform platform, boolean user, Path home, Path launcher, Path config, String runAs) {
        Path unitDir;
        Path env;
        if (platform == Platform.SYSTEMD) {
            unitDir = user ? home.resolve(".config/systemd/user") : Path.of("/etc/systemd/system");
            env = user ? home.resolve(".config/hermes-front/hermes-front.env") : Path.of("/etc/hermes-front/hermes-front.env");
        } else {
            unitDir = user ? home.resolve("Library/LaunchAgents") : Path.of("/Library/LaunchDaemons");
            env = user ? home.resolve(".config/hermes-front/hermes-front.env") : Path.of("/usr/local/etc/hermes-front/hermes-front.env");
        }
        return new Plan(platform, user, launcher, config, unitDir, env, runAs, home.resolve("Library/Logs"));
    }

    /** Returns the variables to keep in the environment file: secrets and the Hermes home, when set. */
    public static Map<String, String> environment(Map<String, String> env, Path config) {
        Map<String, String> out = new TreeMap<>();
        for (String k : SECRET_VARIABLES) {
            putIfSet(out, env, k);
        }
        for (String k : CARRIED) {
            putIfSet(out, env, k);
        }
        for (String name : variablesNamedBy(config)) {
            putIfSet(out, env, name);
        }
        return out;
    }

    private static void putIfSet(Map<String, String> out, Map<String, String> env, String k) {
        String v = env.get(k);
        if (v != null && !v.isEmpty()) {
            out.put(k, v);
        }
    }

    /** Returns the variable names that {@code *_env} keys of the config file name. */
    static Set<String> variablesNamedBy(Path config) {
        Set<String> names = new java.util.TreeSet<>();
        try {
            JsonNode root = new YAMLMapper().readTree(Files.readString(config, StandardCharsets.UTF_8));
            collect(root, names);
        } catch (IOException e) {
            throw new ConfigException("--config", config.toString(), "a readable YAML file (" + e.getMessage() + ")");
        }
        return names;
    }

    private static void collect(JsonNode n, Set<String> names) {
        if (n == null) {
            return;
        }
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().endsWith("_env") && e.getValue().isTextual()) {
                    names.add(e.getValue().asText());
                } else {
                    collect(e.getValue(), names);
                }
            }
        } else if (n.isArray()) {
            n.forEach(x -> collect(x, names));
        }
    }

    /** Returns the systemd unit or launchd plist text. */
    public static String unit(Plan p) {
        if (p.platform() == Platform.SYSTEMD) {
            StringBuilder b = new StringBuilder();
            b.append("# Written by hermes-front service install. Secrets live in ").append(p.envFile()).append(" (mode 0600), not here.\n");
            b.append("[Unit]\nDescription=hermes-front: the Hermes Agent's TUI channel, API server and dashboard on one port\n");
            b.append("After=network-online.target tailscaled.service\nWants=network-online.target\n\n[Service]\nType=simple\n");
            if (!p.user() && p.runAs() != null) {
                b.append("User=").append(p.runAs()).append('\n');
            }
            b.append("Environment=HERMES_FRONT_CONFIG=").append(p.config()).append('\n');
            b.append("EnvironmentFile=-").append(p.envFile()).append('\n');
            b.append("ExecStart=").append(p.launcher()).append(" serve\n");
            b.append("ExecReload=/bin/kill -HUP $MAINPID\nRestart=on-failure\nRestartSec=2\n");
            b.append("NoNewPrivileges=true\n\n[Install]\nWantedBy=").append(p.user() ? "default.target" : "multi-user.target").append('\n');
            return b.toString();
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                + "<!-- Written by hermes-front service install. Secrets live in " + xml(p.envFile().toString()) + " (mode 0600), not here. -->\n"
                + "<plist version=\"1.0\">\n<dict>\n"
                + "  <key>Label</key><string>" + LABEL + "</string>\n"
                + "  <key>ProgramArguments</key>\n  <array>\n    <string>" + xml(p.launcher().toString()) + "</string>\n"
                + "    <string>serve</string>\n  </array>\n"
                + "  <key>EnvironmentVariables</key>\n  <dict>\n"
                + "    <key>HERMES_FRONT_CONFIG</key><string>" + xml(p.config().toString()) + "</string>\n"
                + "    <key>HERMES_FRONT_ENV_FILE</key><string>" + xml(p.envFile().toString()) + "</string>\n  </dict>\n"
                + (!p.user() && p.runAs() != null ? "  <key>UserName</key><string>" + xml(p.runAs()) + "</string>\n" : "")
                + "  <key>RunAtLoad</key><true/>\n"
                + "  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key><false/>\n  </dict>\n"
                + "  <key>ThrottleInterval</key><integer>2</integer>\n"
                + "  <key>StandardOutPath</key><string>" + xml(p.logDir().resolve("hermes-front.log").toString()) + "</string>\n"
                + "  <key>StandardErrorPath</key><string>" + xml(p.logDir().resolve("hermes-front.log").toString()) + "</string>\n"
                + "</dict>\n</plist>\n";
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Returns the environment file's text; {@code redacted} replaces every value. */
    public static String envFile(Map<String, String> vars, boolean redacted) {
        StringBuilder b = new StringBuilder("# hermes-front service environment: secrets for the unit, mode 0600.\n");
        vars.forEach((k, v) -> b.append(k).append('=').append(redacted ? "<redacted>" : quote(v)).append('\n'));
        return b.toString();
    }

    /** Quotes a value for both systemd's EnvironmentFile and a POSIX shell's {@code .} (the launcher reads it for launchd). */
    static String quote(String v) {
        if (v.matches("[A-Za-z0-9_./:@%+=,-]*")) {
            return v;
        }
        return "'" + v.replace("'", "'\\''") + "'";
    }

    /** Installs (or, dry, prints) the unit and the environment file; prints the commands that start it. */
    public static void install(Plan p, Map<String, String> vars, boolean dryRun, PrintStream out) throws IOException {
        String unit = unit(p);
        if (dryRun) {
            out.println("# " + p.unitFile());
            out.print(unit);
            out.println("# " + p.envFile() + " (mode 0600)");
            out.print(envFile(vars, true));
            out.flush();
            return;
        }
        Files.createDirectories(p.unitDir());
        Files.writeString(p.unitFile(), unit, StandardCharsets.UTF_8);
        Path envDir = p.envFile().toAbsolutePath().getParent();
        Files.createDirectories(envDir);
        Path tmp = Files.createTempFile(envDir, ".hermes-front", ".env");
        try {
            setMode(tmp, "rw-------");
            Files.writeString(tmp, envFile(vars, false), StandardCharsets.UTF_8);
            Files.move(tmp, p.envFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        setMode(p.envFile(), "rw-------");
        out.println("wrote " + p.unitFile());
        out.println("wrote " + p.envFile() + " (mode 0600: " + String.join(", ", vars.keySet()) + ")");
        out.println("start it with:");
        out.println("  " + startCommands(p));
        out.flush();
    }

    /** Removes (or, dry, names) the unit and the environment file; prints the commands that stop it. */
    public static void uninstall(Plan p, boolean dryRun, PrintStream out) throws IOException {
        out.println("stop it first with:");
        out.println("  " + stopCommands(p));
        for (Path f : new Path[] {p.unitFile(), p.envFile()}) {
            if (dryRun) {
                out.println("would remove " + f);
            } else if (Files.deleteIfExists(f)) {
                out.println("removed " + f);
            } else {
                out.println("not there: " + f);
            }
        }
        out.flush();
    }

    static String startCommands(Plan p) {
        if (p.platform() == Platform.SYSTEMD) {
            String ctl = p.user() ? "systemctl --user" : "sudo systemctl";
            return ctl + " daemon-reload && " + ctl + " enable --now " + NAME + "   (reload later: " + ctl + " reload " + NAME + ")";
        }
        return (p.user() ? "" : "sudo ") + "launchctl bootstrap " + (p.user() ? "gui/$(id -u)" : "system") + " " + p.unitFile();
    }

    static String stopCommands(Plan p) {
        if (p.platform() == Platform.SYSTEMD) {
            String ctl = p.user() ? "systemctl --user" : "sudo systemctl";
            return ctl + " disable --now " + NAME;
        }
        return (p.user() ? "" : "sudo ") + "launchctl bootout " + (p.user() ? "gui/$(id -u)" : "system") + "/" + LABEL;
    }

    private static void setMode(Path f, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException e) {
            throw new IOException("cannot restrict " + f + " to the owner on this file system", e);
        }
    }
}
