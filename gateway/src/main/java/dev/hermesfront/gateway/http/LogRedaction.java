package dev.hermesfront.gateway.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/** Redacts credentials from text that goes to logs (rest-surface.md §6.2 item 7). */
public final class LogRedaction {
    private static final Set<String> SECRET_PARAMS = Set.of("token", "ticket", "internal", "key", "api_key", "share");

    private LogRedaction() {}

    /** Returns {@code path?query} with the values of {@code token}, {@code ticket}, {@code internal}, {@code key}, {@code api_key}, {@code share} replaced. */
    public static String url(String path, String query) {
        if (query == null || query.isEmpty()) {
            return path;
        }
        StringBuilder b = new StringBuilder(path).append('?');
        String[] pairs = query.split("&", -1);
        for (int i = 0; i < pairs.length; i++) {
            if (i > 0) {
                b.append('&');
            }
            String pair = pairs[i];
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String decoded;
            try {
                decoded = URLDecoder.decode(name, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException e) {
                decoded = name.toLowerCase(Locale.ROOT);
            }
            if (eq >= 0 && SECRET_PARAMS.contains(decoded)) {
                b.append(name).append("=<redacted>");
            } else {
                b.append(pair);
            }
        }
        return b.toString();
    }
}
