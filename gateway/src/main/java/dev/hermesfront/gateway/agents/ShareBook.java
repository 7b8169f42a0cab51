package dev.hermesfront.gateway.agents;

import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.bridge.hub.Role;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.config.Scope;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Share links: tokens that open one agent's {@code /api/ws} as a viewer (or a participant), and nothing
 * else (never REST: the gate resolves them only on the TUI channel). Each is bound to one agent, expires,
 * can be revoked, and dies with its agent. Only a SHA-256 hash of each token is kept; the token itself is
 * shown once, when it is minted. Bounded: at most {@link HubSettings#maxShares()} live links; minting past
 * that is refused (expired links are purged first). Thread-safe.
 */
public final class ShareBook implements Gate.ShareResolver {
    /** How a share token starts (so that one found in a log or a paste is recognizable). */
    static final String TOKEN_PREFIX = "hfs_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One live share link.
     *
     * @param id       public handle ({@code DELETE /front/agents/{agent}/share/{id}}); not a secret
     * @param agent    the agent it opens
     * @param mintedBy the credential that minted it
     * @param role     viewer or participant
     * @param scope    what its clients may do: {@code read} for a viewer; for a participant the minter's scope, at most {@code chat}
     * @param expires  when it stops working
     */
    public record Share(String id, String agent, String mintedBy, Role role, Scope scope, Instant expires) {}

    /** A newly minted link and its token (shown once). */
    public record Minted(Share share, String token) {}

    /** Why minting was refused. */
    public static final class FullException extends Exception {
        FullException(String message) {
            super(message);
        }
    }

    private final int max;
    private final Clock clock;
    /** By token hash. */
    private final Map<String, Share> byHash = new HashMap<>();
    /** Hashes of links that were revoked, expired or lost their agent, newest last; at most {@code max}. */
    private final Map<String, Boolean> dead = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > max;
        }
    };

    public ShareBook(int max, Clock clock) {
        this.max = max;
        this.clock = clock;
    }

    /** Mints a link to {@code agent} for {@code role}, valid for {@code ttl}, by {@code minter}. */
    public Minted mint(String agent, Identity minter, Role role, Duration ttl) throws FullException {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        Scope scope = role == Role.VIEWER ? Scope.READ : minter.scope().covers(Scope.CHAT) ? Scope.CHAT : minter.scope();
        Share s = new Share(HexFormat.of().formatHex(idBytes), agent, minter.name(), role == Role.VIEWER ? Role.VIEWER : Role.PARTICIPANT,
                scope, clock.instant().plus(ttl));
        synchronized (this) {
            purge();
            if (byHash.size() >= max) {
                throw new FullException("too many share links (" + max + "); revoke some first");
            }
            byHash.put(hash(token), s);
        }
        return new Minted(s, token);
    }

    @Override
    public Optional<Identity> resolve(String token) {
        String h = hash(token);
        Share s;
        synchronized (this) {
            s = byHash.get(h);
            if (s != null && !clock.instant().isBefore(s.expires())) {
                byHash.remove(h);
                dead.put(h, Boolean.TRUE);
                s = null;
            }
        }
        return s == null ? Optional.empty() : Optional.of(new Identity("share:" + s.id(), s.scope(), "share", Optional.of(s.agent())));
    }

    @Override
    public synchronized boolean wasMinted(String token) {
        purge();
        return dead.containsKey(hash(token));
    }

    /** Revokes link {@code id} of {@code agent}; returns it, or empty when there is no such live link. */
    public synchronized Optional<Share> revoke(String agent, String id) {
        for (Iterator<Map.Entry<String, Share>> it = byHash.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Share> e = it.next();
            Share s = e.getValue();
            if (s.id().equals(id) && s.agent().equals(agent)) {
                it.remove();
                dead.put(e.getKey(), Boolean.TRUE);
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Returns the live links to {@code agent}. */
    public synchronized List<Share> forAgent(String agent) {
        purge();
        List<Share> r = new ArrayList<>();
        for (Share s : byHash.values()) {
            if (s.agent().equals(agent)) {
                r.add(s);
            }
        }
        r.sort((a, b) -> a.expires().compareTo(b.expires()));
        return r;
    }

    /** Forgets every link to {@code agent} (it was stopped). */
    public synchronized void agentEnded(String agent) {
        bury(s -> s.agent().equals(agent));
    }

    /** Returns the number of live links. */
    public synchronized int size() {
        purge();
        return byHash.size();
    }

    private void purge() {
        Instant now = clock.instant();
        bury(s -> !now.isBefore(s.expires()));
    }

    /** Moves the live links that match to the dead ones. */
    private void bury(Predicate<Share> which) {
        for (Iterator<Map.Entry<String, Share>> it = byHash.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Share> e = it.next();
            if (which.test(e.getValue())) {
                it.remove();
                dead.put(e.getKey(), Boolean.TRUE);
            }
        }
    }

    private static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
