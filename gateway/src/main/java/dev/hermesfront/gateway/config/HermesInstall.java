package dev.hermesfront.gateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the local Hermes Agent install, so that {@code serve} runs {@code python -m tui_gateway.entry} with no agent
 * option. In order: the {@code hermes} command on {@code PATH} (a link to, or a shim that {@code exec}s,
 * {@code INSTALL_DIR/venv/bin/hermes}, whose {@code #!} names the venv's Python; the checkout is the directory above
 * the venv, as scripts/install.sh lays it out), then {@code $HERMES_HOME/hermes-agent} ({@code ~/.hermes/hermes-agent}),
 * then {@code /usr/local/lib/hermes-agent} (root installs), each with its {@code venv/bin/python} (or {@code .venv}).
 * A checkout is a directory holding {@code tui_gateway/entry.py}. Reads files only; runs nothing.
 *
 * @param python the interpreter to run
 * @param source the checkout, the agent's working directory
 * @param how    how it was found, for the operator
 */
public record HermesInstall(Path python, Path source, String how) {
    private static final Pattern EXEC = Pattern.compile("exec\\s+\"?([^\"\\s]+)\"?");
    private static final int HEAD_BYTES = 4096;

    /** Returns the argument list that starts the agent. */
    public List<String> argv() {
        return List.of(python.toString(), "-m", "tui_gateway.entry");
    }

    /** Looks for an install; {@code hermesHome} is the effective {@code $HERMES_HOME}. */
    public static Optional<HermesInstall> find(Map<String, String> env, Path hermesHome) {
        Optional<HermesInstall> onPath = fromPath(env.getOrDefault("PATH", ""));
        if (onPath.isPresent()) {
            return onPath;
        }
        for (Path dir : List.of(hermesHome.resolve("hermes-agent"), Path.of("/usr/local/lib/hermes-agent"))) {
            Optional<HermesInstall> i = checkout(dir, "the checkout " + dir);
            if (i.isPresent()) {
                return i;
            }
        }
        return Optional.empty();
    }

    private static Optional<HermesInstall> fromPath(String path) {
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (d.isBlank()) {
                continue;
            }
            Path cmd = Path.of(d).resolve("hermes");
            if (Files.isExecutable(cmd) && !Files.isDirectory(cmd)) {
                Optional<HermesInstall> i = fromCommand(cmd, 0);
                if (i.isPresent()) {
                    return i;
                }
            }
        }
        return Optional.empty();
    }

    /** Follows links, {@code exec} shims and the {@code #!} line of {@code cmd} to a Python beside a checkout. */
    private static Optional<HermesInstall> fromCommand(Path cmd, int depth) {
        if (depth > 3) {
            return Optional.empty();
        }
        Path real;
        try {
            real = cmd.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        String head = head(real);
        if (head.startsWith("#!")) {
            String line = head.lines().findFirst().orElse("").substring(2).strip();
            String interpreter = line.split("\\s+")[0];
            if (interpreter.contains("python")) {
                Path python = Path.of(interpreter);
                return checkoutAbove(python, "the hermes command " + cmd + " (" + real + ")");
            }
            Matcher m = EXEC.matcher(head);
            while (m.find()) {
                Path target = Path.of(m.group(1));
                if (target.isAbsolute() && target.getFileName().toString().equals("hermes") && !target.equals(cmd)) {
                    Optional<HermesInstall> i = fromCommand(target, depth + 1);
                    if (i.isPresent()) {
                        return i.map(x -> new HermesInstall(x.python(), x.source(), "the hermes command " + cmd + " (runs " + target + ")"));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The checkout a venv's Python belongs to: {@code DIR/venv/bin/python} → {@code DIR}, or up to three levels above. */
    private static Optional<HermesInstall> checkoutAbove(Path python, String how) {
        if (!Files.isExecutable(python)) {
            return Optional.empty();
        }
        Path p = python.getParent();
        for (int i = 0; i < 4 && p != null; i++, p = p.getParent()) {
            if (isCheckout(p)) {
                return Optional.of(new HermesInstall(python, p, how));
            }
        }
        return Optional.empty();
    }

    private static Optional<HermesInstall> checkout(Path dir, String how) {
        if (!isCheckout(dir)) {
            return Optional.empty();
        }
        List<Path> pythons = new ArrayList<>();
        for (String venv : List.of("venv", ".venv")) {
            pythons.add(dir.resolve(venv).resolve("bin").resolve("python"));
            pythons.add(dir.resolve(venv).resolve("Scripts").resolve("python.exe"));
        }
        for (Path p : pythons) {
            if (Files.isExecutable(p)) {
                return Optional.of(new HermesInstall(p, dir, how));
            }
        }
        return Optional.empty();
    }

    private static boolean isCheckout(Path dir) {
        return Files.isRegularFile(dir.resolve("tui_gateway").resolve("entry.py"));
    }

    private static String head(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(HEAD_BYTES);
            return new String(b, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
