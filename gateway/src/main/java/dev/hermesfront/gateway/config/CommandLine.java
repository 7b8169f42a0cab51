package dev.hermesfront.gateway.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an agent command such as {@code python -m tui_gateway.entry} into an argument list.
 * Understands single and double quotes and backslash escapes; no variables, globs or other shell
 * features, and the result is run without a shell.
 */
public final class CommandLine {
    private CommandLine() {}

    /** Splits {@code line}; throws {@link ConfigException} on an unterminated quote or an empty command. */
    public static List<String> split(String key, String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < line.length()) {
                    cur.append(line.charAt(++i));
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new ConfigException(key, line, "a command with balanced quotes");
        }
        if (inWord) {
            out.add(cur.toString());
        }
        if (out.isEmpty()) {
            throw new ConfigException(key, line, "a command, e.g. 'python -m tui_gateway.entry'");
        }
        return out;
    }
}
