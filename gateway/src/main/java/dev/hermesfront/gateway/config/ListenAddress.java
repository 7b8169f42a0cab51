package dev.hermesfront.gateway.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Parses {@code HOST:PORT} (or {@code [v6]:PORT}) listen addresses; loopback is the safe default. */
public final class ListenAddress {
    /** The default listen address, {@code 127.0.0.1:9121}. */
    public static final String DEFAULT = "127.0.0.1:9121";

    private ListenAddress() {}

    /** Parses a listen address or throws {@link ConfigException} naming the key and expected form. */
    public static InetSocketAddress parse(String key, String value) {
        String v = value.strip();
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) {
            throw new ConfigException(key, value, "host:port");
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(v.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "host:port");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(key, value, "host:port with port 0-65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new ConfigException(key, value, "host:port with a resolvable host or an IP address");
        }
    }

    /** Returns true for loopback addresses only (not the wildcard). */
    public static boolean isLoopback(InetSocketAddress a) {
        return a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }

    /** Formats an address as {@code host:port}, IPv6 in brackets. */
    public static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
