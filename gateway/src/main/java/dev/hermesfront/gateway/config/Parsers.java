package dev.hermesfront.gateway.config;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The value parsers of the settings table; each throws {@link ConfigException} naming the setting and the form expected. */
public final class Parsers {
    private static final Pattern UNIT = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Parsers() {}

    /** Text as given, stripped; empty text is refused. */
    public static Setting.Parser<String> text(String expected) {
        return (name, v) -> {
            String s = v.strip();
            if (s.isEmpty()) {
                throw new ConfigException(name, v, expected);
            }
            return s;
        };
    }

    /** A whole number in {@code [min, max]}; {@code _} separators allowed. */
    public static Setting.Parser<Long> whole(long min, long max, String unit) {
        return (name, v) -> {
            long n;
            try {
                n = Long.parseLong(v.strip().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new ConfigException(name, v, "a whole number of " + unit + " from " + min + (max == Long.MAX_VALUE ? " up" : " to " + max));
            }
            if (n < min || n > max) {
                throw new ConfigException(name, v, "a whole number of " + unit + " from " + min + (max == Long.MAX_VALUE ? " up" : " to " + max));
            }
            return n;
        };
    }

    /** A positive rate, e.g. {@code 2} or {@code 0.5}. */
    public static Setting.Parser<Double> rate() {
        return (name, v) -> {
            double d;
            try {
                d = Double.parseDouble(v.strip());
            } catch (NumberFormatException e) {
                throw new ConfigException(name, v, "a number greater than 0");
            }
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new ConfigException(name, v, "a number greater than 0");
            }
            return d;
        };
    }

    /** {@code true} or {@code false}. */
    public static Setting.Parser<Boolean> bool() {
        return (name, v) -> switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(name, v, "true or false");
        };
    }

    /** A duration of at least {@code min}: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, ISO-8601 ({@code PT30S}) or whole seconds. */
    public static Setting.Parser<Duration> duration(Duration min) {
        return (name, v) -> {
            Duration d = parseDuration(name, v);
            if (d.compareTo(min) < 0) {
                throw new ConfigException(name, v, min.isZero() ? "a duration >= 0" : "a duration of at least " + min.toMillis() + " ms");
            }
            return d;
        };
    }

    /**
     * Parses an ISO-8601 duration ({@code PT30S}), whole seconds ({@code 30}) or a number with a unit
     * ({@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}); zero allowed, negative not.
     */
    public static Duration parseDuration(String name, String value) {
        String v = value.strip();
        Duration d;
        try {
            Matcher m = UNIT.matcher(v);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } else {
                d = v.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(v)) : Duration.parse(v.toUpperCase(Locale.ROOT));
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            throw new ConfigException(name, value, "a duration such as 30s, 2m or 500ms, an ISO-8601 duration such as PT30S, or whole seconds");
        }
        if (d.isNegative()) {
            throw new ConfigException(name, value, "a duration >= 0");
        }
        return d;
    }

    /** {@code HOST:PORT}. */
    public static Setting.Parser<InetSocketAddress> listen() {
        return ListenAddress::parse;
    }

    /** {@code http://HOST:PORT}, or {@code off}; returns null for off. */
    public static Setting.Parser<URI> httpUpstream() {
        return (name, v) -> v.strip().equalsIgnoreCase(ConfigLoader.OFF) ? null : UpstreamConfig.parseUri(name, v);
    }

    /** A {@code ws://HOST:PORT/PATH} URL. */
    public static Setting.Parser<URI> wsUrl() {
        return (name, v) -> {
            URI url;
            try {
                url = new URI(v.strip());
            } catch (java.net.URISyntaxException e) {
                throw new ConfigException(name, v, "a ws:// URL such as ws://127.0.0.1:9119/api/ws");
            }
            if (!("ws".equals(url.getScheme()) || "wss".equals(url.getScheme())) || url.getHost() == null || url.getPort() < 0) {
                throw new ConfigException(name, v, "a ws:// URL with host and port, such as ws://127.0.0.1:9119/api/ws");
            }
            return url;
        };
    }

    /** A host name for the Host allowlist, lower case, without scheme or port. */
    public static Setting.Parser<String> host() {
        return (name, v) -> {
            String s = v.strip().toLowerCase(Locale.ROOT);
            if (s.isEmpty() || !s.matches("[a-z0-9.\\-:\\[\\]_]+")) {
                throw new ConfigException(name, v, "a host name such as box.tailnet.ts.net (no scheme, no port)");
            }
            return s;
        };
    }

    /** A browser origin ({@code https://app.example:8443}), or {@code null} / {@code file://}. */
    public static Setting.Parser<String> origin() {
        return (name, v) -> {
            String s = v.strip();
            if (!(s.equals("null") || s.equals("file://") || s.matches("[a-zA-Z][a-zA-Z0-9+.\\-]*://[^/\\s]+"))) {
                throw new ConfigException(name, s, "an origin such as https://app.example:8443, or null, or file://");
            }
            return s;
        };
    }

    /** {@code NAME:PASSWORD}; the message never repeats the password. */
    public static Setting.Parser<String[]> basicUser() {
        return (name, v) -> {
            int colon = v.indexOf(':');
            if (colon <= 0 || colon == v.length() - 1) {
                throw new ConfigException(name, v.replaceAll(":.*", ":…"), "NAME:PASSWORD");
            }
            return new String[] {v.substring(0, colon), v.substring(colon + 1)};
        };
    }

    /** {@code NAME=VALUE}. */
    public static Setting.Parser<String[]> envPair() {
        return (name, v) -> {
            int eq = v.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(name, v.replaceAll("=.*", "=…"), "NAME=VALUE");
            }
            return new String[] {v.substring(0, eq), v.substring(eq + 1)};
        };
    }

    /** An address range ({@link Cidr}). */
    public static Setting.Parser<Cidr> cidr() {
        return Cidr::parse;
    }

    /** An HTTP header name ({@code Tailscale-User-Login}), or {@code off}. */
    public static Setting.Parser<String> headerName() {
        return (name, v) -> {
            String s = v.strip();
            if (!s.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                throw new ConfigException(name, v, "a header name such as Tailscale-User-Login, or off");
            }
            return s;
        };
    }

    /** One of {@code choices}, case ignored; returned in lower case. */
    public static Setting.Parser<String> oneOf(String... choices) {
        return (name, v) -> {
            String s = v.strip().toLowerCase(Locale.ROOT);
            for (String c : choices) {
                if (c.equals(s)) {
                    return c;
                }
            }
            throw new ConfigException(name, v, "one of " + String.join(", ", choices));
        };
    }

    /**
     * {@code LOGGER=LEVEL}: a logger (package) name and a level, {@code ERROR}, {@code WARN}, {@code INFO},
     * {@code DEBUG}, {@code TRACE}, {@code OFF} or {@code ALL} (or a java.util.logging name such as {@code FINE});
     * returned as the logger and the java.util.logging level name.
     */
    public static Setting.Parser<String[]> logLevel() {
        return (name, v) -> {
            int eq = v.indexOf('=');
            String expected = "LOGGER=LEVEL, e.g. io.undertow=WARN (levels: ERROR, WARN, INFO, DEBUG, TRACE, OFF, ALL)";
            if (eq <= 0) {
                throw new ConfigException(name, v, expected);
            }
            String logger = v.substring(0, eq).strip();
            String level = switch (v.substring(eq + 1).strip().toUpperCase(Locale.ROOT)) {
                case "ERROR", "SEVERE" -> "SEVERE";
                case "WARN", "WARNING" -> "WARNING";
                case "INFO" -> "INFO";
                case "CONFIG" -> "CONFIG";
                case "DEBUG", "FINE" -> "FINE";
                case "FINER" -> "FINER";
                case "TRACE", "FINEST" -> "FINEST";
                case "OFF" -> "OFF";
                case "ALL" -> "ALL";
                default -> null;
            };
            if (level == null || !logger.matches("[A-Za-z0-9_.$]*")) {
                throw new ConfigException(name, v, expected);
            }
            return new String[] {logger, level};
        };
    }
}
