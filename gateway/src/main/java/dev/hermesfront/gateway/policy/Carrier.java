package dev.hermesfront.gateway.policy;

/**
 * One credential as a request presents it, before it is checked. A request may carry several (two
 * {@code Authorization} headers, a header plus {@code ?token=}); the one authentication step refuses that.
 * Never logged: {@code toString()} names only the kind and where it came from.
 */
public sealed interface Carrier {
    /** Where the credential came from, for audit and messages: {@code bearer}, {@code basic}, {@code query}, … */
    String via();

    /** A token: {@code Authorization: Bearer}, {@code X-Hermes-Session-Token} or {@code ?token=} on an upgrade. */
    record Token(String value, String via) implements Carrier {
        @Override
        public String toString() {
            return "Token[" + via + "]";
        }
    }

    /** An HTTP Basic user and password. */
    record Basic(String user, String password) implements Carrier {
        @Override
        public String via() {
            return "basic";
        }

        @Override
        public String toString() {
            return "Basic[" + user + "]";
        }
    }

    /** A single-use WebSocket ticket: {@code ?ticket=} or the {@code hermes-gateway-ticket.T} subprotocol. */
    record Ticket(String value, String via) implements Carrier {
        @Override
        public String toString() {
            return "Ticket[" + via + "]";
        }
    }

    /** A share token ({@code ?share=S}): opens one agent's {@code /api/ws}, nothing else. */
    record Share(String value) implements Carrier {
        @Override
        public String via() {
            return "share";
        }

        @Override
        public String toString() {
            return "Share[]";
        }
    }

    /**
     * A user named by a trusted proxy's identity header ({@code Tailscale-User-Login}); only ever made for a
     * request whose address is in {@code trusted_proxies}. Not a secret, but named only by kind in logs.
     */
    record ProxyUser(String login) implements Carrier {
        @Override
        public String via() {
            return "identity";
        }

        @Override
        public String toString() {
            return "ProxyUser[]";
        }
    }

    /** Something in a credential's place that cannot be one (an unknown scheme, bad Base64): counts as wrong. */
    record Malformed(String via) implements Carrier {}

    /** Returns the kind of {@code c} for metrics: a fixed set ({@code token}, {@code basic}, …). */
    static String kind(Carrier c) {
        if (c instanceof Token) {
            return "token";
        }
        if (c instanceof Basic) {
            return "basic";
        }
        if (c instanceof Ticket) {
            return "ticket";
        }
        if (c instanceof Share) {
            return "share";
        }
        if (c instanceof ProxyUser) {
            return "identity";
        }
        return "malformed";
    }
}
