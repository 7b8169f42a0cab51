package dev.hermesfront.gateway.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides which {@code Host} headers a listener answers (DNS-rebinding guard). Accepted, case-insensitive
 * and with any port: a configured name (e.g. a MagicDNS name); the bind address itself; on a loopback bind
 * {@code localhost}, {@code 127.0.0.1} and {@code ::1}; on a wildcard bind any IP literal and
 * {@code localhost}. Names not configured are refused: a rebinding attack always arrives with a name.
 * Immutable and thread-safe.
 */
public final class HostPolicy {
    // Compiled once: String.matches compiles its pattern on every call, and this runs for every request.
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");
    private static final Pattern BRACKETED_PORT = Pattern.compile(":\\d{1,5}");
    private static final Pattern HOST_CHARS = Pattern.compile("[a-z0-9._:\\-]+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-f:.]+");
    private final InetAddress bind;
    private final Set<String> names;

    public HostPolicy(InetSocketAddress listen, Set<String> allowedNames) {
        this.bind = listen.getAddress();
        this.names = Set.copyOf(allowedNames.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList());
    }

    /** Returns true when a request carrying {@code hostHeader} may be served. */
    public boolean allows(String hostHeader) {
        Optional<String> host = hostOf(hostHeader);
        if (host.isEmpty()) {
            return false;
        }
        String h = host.get();
        if (names.contains(h)) {
            return true;
        }
        boolean wildcard = bind.isAnyLocalAddress();
        if (h.equals("localhost")) {
            return wildcard || bind.isLoopbackAddress();
        }
        Optional<InetAddress> literal = literal(h);
        if (literal.isEmpty()) {
            return false;
        }
        InetAddress a = literal.get();
        return wildcard || a.equals(bind) || (bind.isLoopbackAddress() && a.isLoopbackAddress());
    }

    /** Returns the host part of a Host header, lower case, without port or IPv6 brackets; empty when malformed. */
    static Optional<String> hostOf(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String v = header.strip().toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        String host;
        if (v.startsWith("[")) {
            int end = v.indexOf(']');
            if (end < 0 || (end + 1 < v.length() && !BRACKETED_PORT.matcher(v.substring(end + 1)).matches())) {
                return Optional.empty();
            }
            host = v.substring(1, end);
        } else {
            int colon = v.indexOf(':');
            if (colon >= 0 && (v.indexOf(':', colon + 1) >= 0 || !PORT.matcher(v.substring(colon + 1)).matches())) {
                return Optional.empty();
            }
            host = colon >= 0 ? v.substring(0, colon) : v;
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty() || !HOST_CHARS.matcher(host).matches()) {
            return Optional.empty();
        }
        return Optional.of(host);
    }

    /** Parses an IP literal without any DNS lookup; empty for names. */
    static Optional<InetAddress> literal(String host) {
        boolean v4 = IPV4.matcher(host).matches();
        boolean v6 = host.indexOf(':') >= 0 && IPV6_CHARS.matcher(host).matches();
        if (!v4 && !v6) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(host));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
