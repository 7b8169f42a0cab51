package dev.hermesfront.gateway.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which {@code Host} headers a listener answers (DNS-rebinding guard). Accepted, case-insensitive
 * and with any port: a configured name (e.g. a MagicDNS name); the bind address itself; on a loopback bind
 * {@code localhost}, {@code 127.0.0.1} and {@code ::1}; on a wildcard bind any IP literal and
 * {@code localhost}. Names not configured are refused: a rebinding attack always arrives with a name.
 * Immutable and thread-safe.
 */
public final class HostPolicy {
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
            if (end < 0 || (end + 1 < v.length() && !v.substring(end + 1).matches(":\\d{1,5}"))) {
                return Optional.empty();
            }
            host = v.substring(1, end);
        } else {
            int colon = v.indexOf(':');
            if (colon >= 0 && (v.indexOf(':', colon + 1) >= 0 || !v.substring(colon + 1).matches("\\d{1,5}"))) {
                return Optional.empty();
            }
            host = colon >= 0 ? v.substring(0, colon) : v;
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty() || !host.matches("[a-z0-9._:\\-]+")) {
            return Optional.empty();
        }
        return Optional.of(host);
    }

    /** Parses an IP literal without any DNS lookup; empty for names. */
    static Optional<InetAddress> literal(String host) {
        boolean v4 = host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = host.indexOf(':') >= 0 && host.matches("[0-9a-f:.]+");
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
