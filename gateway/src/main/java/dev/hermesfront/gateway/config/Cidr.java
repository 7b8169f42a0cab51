package dev.hermesfront.gateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An address range such as {@code 127.0.0.1/32} or {@code fd7a:115c:a1e0::/48}; a bare address is a range of
 * one. IPv4 ranges also match IPv4-mapped IPv6 addresses. Immutable.
 *
 * @param network the range's first address, host bits cleared
 * @param prefix  the number of leading bits that must match
 */
public record Cidr(byte[] network, int prefix) {
    public Cidr {
        network = network.clone();
    }

    /** Parses {@code ADDRESS[/PREFIX]}: literal IPv4 or IPv6 only, never a name (nothing is looked up). */
    public static Cidr parse(String name, String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        String expected = "an address range such as 127.0.0.1/32, 100.64.0.0/10 or fd7a:115c:a1e0::/48";
        if (addr.startsWith("[") && addr.endsWith("]")) {
            addr = addr.substring(1, addr.length() - 1);
        }
        if (addr.isEmpty() || !(addr.matches("[0-9.]+") || (addr.contains(":") && addr.matches("[0-9a-fA-F:.]+")))) {
            throw new ConfigException(name, text, expected);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException(name, text, expected);
        }
        if (addr.matches("[0-9.]+") && (bytes.length != 4 || addr.split("\\.", -1).length != 4)) {
            throw new ConfigException(name, text, expected);
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(name, text, expected);
            }
            if (prefix < 0 || prefix > bits) {
                throw new ConfigException(name, text, expected + " (prefix 0 to " + bits + ")");
            }
        }
        for (int i = 0; i < bytes.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            bytes[i] &= (byte) (0xff << (8 - keep));
        }
        return new Cidr(bytes, prefix);
    }

    /** Returns true when {@code address} is inside this range. */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length == 16 && network.length == 4 && isMappedV4(a)) {
            a = Arrays.copyOfRange(a, 12, 16);
        }
        if (a.length != network.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            if (keep == 0) {
                return true;
            }
            int mask = (0xff << (8 - keep)) & 0xff;
            if ((a[i] & mask) != (network[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isMappedV4(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            return "?/" + prefix;
        }
    }
}
