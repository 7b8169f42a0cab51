package dev.hermesfront.gateway.agents;

import dev.hermesfront.bridge.hub.Role;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Grant;
import dev.hermesfront.gateway.policy.Grants;
import dev.hermesfront.gateway.policy.Identity;
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
 *
 * <p>A link is a {@link Grant} of kind {@link Grant.Kind#SHARE}: its source is the grant of the credential that minted
 * it, its cap {@code read} (viewer) or at most {@code chat} (participant). It copies nothing of its minter: the gate
 * resolves it through {@link #grant} and the minter's current scope on every use, so a narrowed minter caps its links
 * and a removed one kills them.
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
     * @param scope    its cap: {@code read} for a viewer; for a participant the minter's scope when minted, at most {@code chat}
     * @param expires  when it stops working
     * @param grant    the grant it is: source the minter's grant, cap {@code scope}, bound to {@code agent}
     */
    public record Share(String id, String agent, String mintedBy, Role role, Scope scope, Instant expires, Grant grant) {}

    /** A newly minted link and its token (shown once). */
    public record Minted(Share share, String token) {}

    /** Why minting was refused. */
    public static final class FullException extends Exception {
        FullException(String message) {
            super(message);
        }
    }

    private final int max;
    private final int perCredential;
    private final int perAgent;
    private final Clock clock;
    /** Ids of links that died (revoked, expired, minter removed, agent ended), to the agent each opened; at most {@code max}. */
    private final Map<String, Share> deadIds = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Share> eldest) {
            return size() > max;
        }
    };
    /** By token hash. */
    private final Map<String, Share> byHash = new HashMap<>();
    /** The same links by id. */
    private final Map<String, Share> byId = new HashMap<>();
    /** Links that expired and whose clients were not closed yet ({@link #expireDue}); at most one entry per link. */
    private final List<Share> expired = new ArrayList<>();
    /** Hashes of links that were revoked, expired or lost their agent, newest last; at most {@code max}. */
    private final Map<String, Boolean> dead = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > max;
        }
    };

    public ShareBook(int max, Clock clock) {
        this(max, max, max, clock);
    }

    /**
     * @param max           live links across the gateway
     * @param perCredential live links one minter (by its stable source, not its name) may have
     * @param perAgent      live links to one agent
     */
    public ShareBook(int max, int perCredential, int perAgent, Clock clock) {
        this.max = max;
        this.perCredential = perCredential;
        this.perAgent = perAgent;
        this.clock = clock;
    }

    /** Mints a link to {@code agent} for {@code role}, valid for {@code ttl}, by {@code minter}. */
    public Minted mint(String agent, Identity minter, Role role, Duration ttl) throws FullException {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        Scope scope = role == Role.VIEWER ? Scope.READ : Grants.min(Scope.CHAT, minter.scope());
        String id = HexFormat.of().formatHex(idBytes);
        Share s = new Share(id, agent, minter.name(), role == Role.VIEWER ? Role.VIEWER : Role.PARTICIPANT,
                scope, clock.instant().plus(ttl), new Grant(Grant.Kind.SHARE, id, minter.grant().owner(), scope, Optional.of(agent)));
        synchronized (this) {
            purge();
            if (byHash.size() >= max) {
                throw new FullException("too many share links (" + max + "); revoke some first");
            }
            String minterKey = minter.grant().owner().key();
            long mine = byHash.values().stream().filter(x -> x.grant().source().key().equals(minterKey)).count();
            if (mine >= perCredential) {
                throw new FullException("this credential has as many live share links as it may (" + perCredential + "); revoke some first");
            }
            if (byHash.values().stream().filter(x -> x.agent().equals(agent)).count() >= perAgent) {
                throw new FullException("this agent has as many live share links as it may (" + perAgent + "); revoke some first");
            }
            byHash.put(hash(token), s);
            byId.put(id, s);
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
                byId.remove(s.id());
                deadIds.put(s.id(), s);
                dead.put(h, Boolean.TRUE);
                noteExpired(s);
                s = null;
            }
        }
        return s == null ? Optional.empty() : Optional.of(new Identity("share:" + s.id(), s.scope(), "share", Optional.of(s.agent()), s.grant()));
    }

    @Override
    public synchronized Optional<Grant> grant(String id) {
        Share s = byId.get(id);
        return s == null || !clock.instant().isBefore(s.expires()) ? Optional.empty() : Optional.of(s.grant());
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
                byId.remove(id);
                deadIds.put(id, s);
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

    /** Returns true when link {@code id} to {@code agent} was minted here and has died since (revoked, expired, minter gone). */
    public synchronized boolean died(String agent, String id) {
        purge();
        Share s = deadIds.get(id);
        return s != null && s.agent().equals(agent);
    }

    /** Returns true when link {@code id} (live or dead, if still remembered) is past its expiry. */
    public synchronized boolean expired(String id) {
        Share s = byId.containsKey(id) ? byId.get(id) : deadIds.get(id);
        return s != null && !clock.instant().isBefore(s.expires());
    }

    /** Returns true while link {@code id} is live (minted, not revoked, not expired, its agent running). */
    public synchronized boolean isLive(String id) {
        Share s = byId.get(id);
        return s != null && clock.instant().isBefore(s.expires());
    }

    /**
     * Buries the links whose grant no longer stands ({@code alive} false: their minter was removed) and returns them:
     * a client still holding one is refused 4401 and not counted as guessing.
     */
    public synchronized List<Share> revalidate(Predicate<Grant> alive) {
        List<Share> gone = new ArrayList<>();
        for (Share s : byHash.values()) {
            if (!alive.test(s.grant())) {
                gone.add(s);
            }
        }
        bury(gone::contains);
        return gone;
    }

    /**
     * Buries the links that expired and returns every link that expired since the last call (also those a lookup or
     * a listing noticed first), so that their attached clients can be closed.
     */
    public synchronized List<Share> expireDue() {
        purge();
        List<Share> due = new ArrayList<>(expired);
        expired.clear();
        return due;
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
        bury(s -> {
            boolean due = !now.isBefore(s.expires());
            if (due) {
                noteExpired(s);
            }
            return due;
        });
    }

    /** Remembers an expired link until {@link #expireDue} (bounded: nothing sweeps a book without a gateway). */
    private void noteExpired(Share s) {
        if (expired.size() < max) {
            expired.add(s);
        }
    }

    /** Moves the live links that match to the dead ones. */
    private void bury(Predicate<Share> which) {
        for (Iterator<Map.Entry<String, Share>> it = byHash.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Share> e = it.next();
            if (which.test(e.getValue())) {
                it.remove();
                byId.remove(e.getValue().id());
                deadIds.put(e.getValue().id(), e.getValue());
                dead.put(e.getKey(), Boolean.TRUE);
            }
        }
    }

    private static String hash(String token) {
        return Secret.sha256Hex(token);
    }
}
