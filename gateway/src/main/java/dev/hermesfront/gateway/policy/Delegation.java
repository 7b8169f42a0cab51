package dev.hermesfront.gateway.policy;

import dev.hermesfront.gateway.config.Scope;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A coordinator acting on behalf of its user, never as itself (issue 21, F3). On every request and every
 * {@code /api/ws} upgrade it relays to a peer, the coordinator sends its own peer credential plus
 * {@value #HEADER}{@code : alice; scope=chat}: the end user it relays for (the name of that user's credential at the
 * coordinator) and that user's effective scope there. The peer believes the header only from a credential configured
 * with {@code delegate: true}; it then acts as the {@link Grant.Kind#DELEGATED} principal {@code coord/alice}
 * (its source: the delegating credential; its cap: the asserted scope), so what it may do is
 * {@code min(asserted, the delegating credential's current scope)}, and ownership, share links, tickets,
 * {@code /front/agents}, rates and the audit log are per end user. From any other credential the header is refused
 * (400 when malformed, 403 otherwise) and audited.
 */
public final class Delegation {
    /** The header a coordinator names its end user in. */
    public static final String HEADER = "X-Hermes-Front-On-Behalf-Of";
    /** An end user's name: a credential name at the coordinator, or a chain of them ({@code coord/alice}). */
    private static final Pattern VALUE = Pattern.compile("\\s*([A-Za-z0-9._@+:/-]{1,200})\\s*;\\s*scope\\s*=\\s*([A-Za-z]+)\\s*");

    private Delegation() {}

    /** What a coordinator asserts: the end user and that user's scope at the coordinator. */
    public record Assertion(String user, Scope scope) {}

    /** Parses {@code USER; scope=SCOPE}; empty when malformed. */
    public static Optional<Assertion> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        Matcher m = VALUE.matcher(value);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Scope.parse(m.group(2)).map(s -> new Assertion(m.group(1), s));
    }

    /** Returns the header value a coordinator sends for {@code who}, whose effective scope here is {@code scope}. */
    public static String header(Identity who, Scope scope) {
        return who.name() + "; scope=" + scope.name().toLowerCase(Locale.ROOT);
    }

    /** Returns the stable id of the delegated grant of {@code user} under the credential whose stable id is {@code source}. */
    static String id(String source, String user) {
        return source + "|" + user;
    }

    /** Returns the stable id of the credential a delegated grant id names. */
    static String source(String delegatedId) {
        int bar = delegatedId.indexOf('|');
        return bar < 0 ? "" : delegatedId.substring(0, bar);
    }
}
