package dev.hermesfront.gateway.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a Hermes {@code .env} file the way Hermes' own loader (python-dotenv) reads it, so the front
 * sees the values the agent sees (rest-surface.md §5.3): {@code KEY=VALUE} lines, an optional
 * {@code export } prefix, single quotes (literal), double quotes (with {@code \n \" \\} escapes),
 * {@code #} comments (inline after an unquoted value only when preceded by a space), NUL bytes removed,
 * the last assignment of a name wins, and values of names ending in {@code _KEY}, {@code _TOKEN},
 * {@code _SECRET} lose non-ASCII characters as Hermes strips them.
 */
public final class DotEnv {
    private DotEnv() {}

    /** Returns the file's assignments, or empty when the file does not exist; throws {@link ConfigException} when it cannot be read. */
    public static Optional<Map<String, String>> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
        return Optional.of(parse(text));
    }

    /** Parses {@code .env} text. */
    public static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String raw : text.replace("\0", "").split("\r?\n|\r")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring(7).stripLeading();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = line.substring(0, eq).strip();
            if (!name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                continue;
            }
            String value = value(line.substring(eq + 1).strip());
            if (name.endsWith("_KEY") || name.endsWith("_TOKEN") || name.endsWith("_SECRET")) {
                value = value.replaceAll("[^\\x00-\\x7F]", "");
            }
            out.put(name, value);
        }
        return out;
    }

    private static String value(String v) {
        if (v.startsWith("'")) {
            int end = v.indexOf('\'', 1);
            return end > 0 ? v.substring(1, end) : v.substring(1);
        }
        if (v.startsWith("\"")) {
            StringBuilder b = new StringBuilder();
            for (int i = 1; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\' && i + 1 < v.length()) {
                    char n = v.charAt(++i);
                    switch (n) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        default -> b.append(n);
                    }
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }
        int hash = v.indexOf(" #");
        if (hash < 0) {
            hash = v.indexOf("\t#");
        }
        return (hash >= 0 ? v.substring(0, hash) : v).strip();
    }
}
