package dev.hermesfront.gateway.pairing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.policy.Gate;
import dev.hermesfront.gateway.policy.Grant;
import dev.hermesfront.gateway.policy.Grants;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.state.StateDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Paired devices and the one-time codes that pair them (docs/pairing.md). A device is a {@link Grant.Kind#DEVICE}
 * grant: its source is the configured credential that paired it (the pairer), its cap the scope it was paired with;
 * the {@link Gate} derives what it may do on every use, so narrowing or removing the pairer follows through to its
 * devices, and revoking a device ends it.
 *
 * <p>Codes: {@value #CODE_LENGTH} characters of an unambiguous alphabet (about 50 bits), single use, stored as their
 * SHA-256 only, 5 minutes by default, at most {@value #MAX_CODES} outstanding (the oldest forgotten).
 *
 * <p>Devices: a name, the cap, the pairer's name and its key, created and last-seen time and address, and the SHA-256
 * of the device token (never the token). Kept in {@code state_dir/devices.json} (0600, written whole), so they
 * survive restart and reload; last-seen times are written at most once per {@link #flushDirty} call. The pairer is
 * recorded by a key that survives restarts (an HMAC of the credential's kind, name and secret under the state
 * directory's {@code pairing-key}), mapped to the credential's stable id of the running process when used: a pairer
 * re-added with another secret is another source, and its old devices stand for nothing.
 *
 * <p>At most {@value #MAX_DEVICES} devices, and per pairer at most {@value #CODES_PER_PAIRER} outstanding codes (its
 * oldest forgotten) and, unless it is an admin, {@value #DEVICES_PER_PAIRER} devices: one credential cannot fill the
 * book or push everyone else's codes out. Thread-safe.
 */
public final class DeviceBook implements Gate.DeviceResolver {
    private static final System.Logger LOG = System.getLogger(DeviceBook.class.getName());
    static final int CODE_LENGTH = 10;
    static final int MAX_CODES = 64;
    static final int MAX_DEVICES = 256;
    /** Outstanding codes per pairer; its oldest is forgotten past this. */
    static final int CODES_PER_PAIRER = 8;
    /** Devices per pairer that is not an admin. */
    static final int DEVICES_PER_PAIRER = 32;
    static final int MAX_REVOKED = 1024;
    /** The default life of a code. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    /** The longest life a code may be given. */
    public static final Duration MAX_TTL = Duration.ofHours(1);
    /** Prefix of device tokens, so a leaked one is recognisable in a scan. */
    static final String TOKEN_PREFIX = "hfd_";
    static final String FILE = "devices.json";
    private static final char[] ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789".toCharArray();
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A code waiting to be redeemed. */
    private record Code(Scope cap, String pairerKey, String pairerName, String name, Instant expires) {}

    /**
     * One paired device.
     *
     * @param id          its stable id ({@code dev-…}), the grant's id
     * @param name        what the operator calls it ({@code phone})
     * @param cap         the most it may do
     * @param pairerKey   the pairer's restart-proof key
     * @param pairerName  the pairer's credential name, for lists
     * @param tokenHash   SHA-256 of its token, hex
     * @param created     when it was paired
     * @param lastSeen    when its token was last presented
     * @param lastAddress from where
     */
    public record Device(String id, String name, Scope cap, String pairerKey, String pairerName, String tokenHash, Instant created,
                         Instant lastSeen, String lastAddress) {
        Device seen(Instant at, String address) {
            return new Device(id, name, cap, pairerKey, pairerName, tokenHash, created, at, address);
        }
    }

    /** A code just minted: shown once. */
    public record Minted(String code, Scope cap, Instant expires) {}

    /** A device just paired: its token is shown once. */
    public record Paired(Device device, String token) {}

    /** Why a redemption failed. */
    public static final class PairingException extends Exception {
        private final int status;
        private final String code;

        PairingException(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    private final Optional<StateDir> state;
    private final Supplier<Credentials> credentials;
    private final Grants grants;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final byte[] pairingKey;
    private final LinkedHashMap<String, Code> codes = new LinkedHashMap<>();
    private final LinkedHashMap<String, Device> byHash = new LinkedHashMap<>();
    private final LinkedHashMap<String, Boolean> revoked = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_REVOKED;
        }
    };
    private boolean dirty;
    /** The pairer keys of one credentials generation, by key: its credential's stable id. */
    private volatile Map<String, String> keyIndex = Map.of();
    private volatile Credentials indexed;

    private DeviceBook(Optional<StateDir> state, Supplier<Credentials> credentials, Grants grants, ObjectMapper mapper, Clock clock,
                       byte[] pairingKey) {
        this.state = state;
        this.credentials = credentials;
        this.grants = grants;
        this.mapper = mapper;
        this.clock = clock;
        this.pairingKey = pairingKey;
    }

    /**
     * Opens the book: reads {@code devices.json} from {@code state} (none: devices live in memory only) and registers
     * the device lookup with {@code grants}.
     */
    public static DeviceBook open(Optional<StateDir> state, Supplier<Credentials> credentials, Grants grants, ObjectMapper mapper,
                                  Clock clock) throws IOException {
        byte[] key;
        if (state.isPresent()) {
            key = state.get().secret("pairing-key").getBytes(StandardCharsets.UTF_8);
        } else {
            key = new byte[32];
            RANDOM.nextBytes(key);
        }
        DeviceBook book = new DeviceBook(state, credentials, grants, mapper, clock, key);
        book.load();
        grants.register(Grant.Kind.DEVICE, book::grant);
        return book;
    }

    private void load() throws IOException {
        if (state.isEmpty()) {
            return;
        }
        Optional<String> text = state.get().read(FILE);
        if (text.isEmpty()) {
            return;
        }
        JsonNode root = mapper.readTree(text.get());
        for (JsonNode d : root.path("devices")) {
            Optional<Scope> cap = Scope.parse(d.path("scope").asText());
            if (cap.isEmpty()) {
                continue;
            }
            Device dev = new Device(d.path("id").asText(), d.path("name").asText(), cap.get(), d.path("pairer_key").asText(),
                    d.path("pairer").asText(), d.path("token_sha256").asText(), Instant.parse(d.path("created").asText()),
                    d.hasNonNull("last_seen") ? Instant.parse(d.path("last_seen").asText()) : null,
                    d.hasNonNull("last_address") ? d.path("last_address").asText() : null);
            byHash.put(dev.tokenHash(), dev);
        }
        LOG.log(System.Logger.Level.INFO, "{0} paired device(s) from {1}", byHash.size(), state.get().file(FILE));
    }

    /**
     * Mints a code for {@code pairer}, capped at {@code cap} (which must not exceed the pairer's scope now), living
     * {@code ttl}; {@code name} is the device's name if the redeemer gives none.
     *
     * @throws PairingException 403 when the pairer is not a configured credential or asks for more than it has
     */
    public Minted mint(Identity pairer, Scope cap, String name, Duration ttl) throws PairingException {
        if (pairer.grant().kind() != Grant.Kind.CREDENTIAL) {
            throw new PairingException(403, "forbidden", "only a configured credential can pair a device (not a "
                    + pairer.grant().kind().name().toLowerCase(Locale.ROOT) + ")");
        }
        Optional<Scope> now = grants.effective(pairer.grant());
        if (now.isEmpty() || !now.get().covers(cap)) {
            throw new PairingException(403, "forbidden", "a device cannot get more than its pairer has (" + now.map(Scope::label)
                    .orElse("nothing") + ")");
        }
        Optional<Credential> c = credentials.get().byId(pairer.grant().id());
        if (c.isEmpty()) {
            throw new PairingException(403, "forbidden", "the credential is no longer configured");
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new PairingException(400, "bad_request", "ttl must be between 1 s and " + MAX_TTL.toMinutes() + " minutes");
        }
        if (name != null && !NAME.matcher(name).matches()) {
            throw new PairingException(400, "bad_request", "name must match [a-z0-9][a-z0-9-]{0,31}");
        }
        StringBuilder code = new StringBuilder(CODE_LENGTH);
        for (int i = 0; i < CODE_LENGTH; i++) {
            code.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        Instant expires = clock.instant().plus(ttl);
        synchronized (this) {
            purgeExpired();
            String key = pairerKey(c.get());
            List<String> mine = new ArrayList<>();
            codes.forEach((h, x) -> {
                if (x.pairerKey().equals(key)) {
                    mine.add(h);
                }
            });
            for (int i = 0; i <= mine.size() - CODES_PER_PAIRER; i++) {
                codes.remove(mine.get(i));
            }
            codes.put(sha256(code.toString()), new Code(cap, key, c.get().name(), name, expires));
            while (codes.size() > MAX_CODES) {
                codes.remove(codes.keySet().iterator().next());
            }
        }
        return new Minted(code.toString(), cap, expires);
    }

    /**
     * Redeems {@code code} (single use, whatever the outcome once found) and pairs a device named {@code name} (or the
     * code's name, or {@code device-N}); persists the book.
     *
     * @throws PairingException 401 for an unknown, used or expired code (the caller counts it towards the lockout);
     *                          403 when the pairer is gone; 400 for a bad name; 507 when the book is full
     */
    public Paired redeem(String code, String name, String address) throws PairingException, IOException {
        String normalized = code == null ? "" : code.strip().toUpperCase(Locale.ROOT).replace("-", "").replace(" ", "");
        if (name != null && !name.isEmpty() && !NAME.matcher(name).matches()) {
            throw new PairingException(400, "bad_request", "name must match [a-z0-9][a-z0-9-]{0,31}");
        }
        Paired paired;
        synchronized (this) {
            Code c = codes.remove(sha256(normalized));
            if (c == null || !c.expires().isAfter(clock.instant())) {
                throw new PairingException(401, "invalid_code", "this pairing code is unknown, used or expired");
            }
            String source = sourceId(c.pairerKey()).orElse(null);
            Optional<Scope> pairerNow = source == null ? Optional.empty() : grants.current(new Grant.Ref(Grant.Kind.CREDENTIAL, source));
            if (pairerNow.isEmpty()) {
                throw new PairingException(403, "forbidden", "the credential that made this code is no longer configured");
            }
            if (byHash.size() >= MAX_DEVICES) {
                throw new PairingException(507, "too_many_devices", "there are " + MAX_DEVICES + " paired devices already; revoke one");
            }
            if (pairerNow.get() != Scope.ADMIN
                    && byHash.values().stream().filter(x -> x.pairerKey().equals(c.pairerKey())).count() >= DEVICES_PER_PAIRER) {
                throw new PairingException(429, "too_many_devices", "the credential that made this code has paired " + DEVICES_PER_PAIRER
                        + " devices already; revoke one");
            }
            String base = name != null && !name.isEmpty() ? name : c.name() != null ? c.name() : "device";
            String n = base;
            for (int i = 2; byName(n).isPresent(); i++) {
                n = base.length() > 28 ? base.substring(0, 28) + "-" + i : base + "-" + i;
            }
            byte[] b = new byte[32];
            RANDOM.nextBytes(b);
            String token = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            byte[] idb = new byte[9];
            RANDOM.nextBytes(idb);
            Instant now = clock.instant();
            Device d = new Device("dev-" + HexFormat.of().formatHex(idb), n, Grants.min(c.cap(), pairerNow.get()), c.pairerKey(),
                    c.pairerName(), sha256(token), now, now, address);
            byHash.put(d.tokenHash(), d);
            paired = new Paired(d, token);
        }
        save();
        return paired;
    }

    /** Returns the devices, oldest first. */
    public synchronized List<Device> all() {
        return new ArrayList<>(byHash.values());
    }

    /** Returns the device named {@code name}. */
    public synchronized Optional<Device> byName(String name) {
        return byHash.values().stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** Returns true when {@code d} was paired by the credential {@code who} authenticated with. */
    public boolean pairedBy(Device d, Identity who) {
        return who.grant().kind() == Grant.Kind.CREDENTIAL && sourceId(d.pairerKey()).map(who.grant().id()::equals).orElse(false);
    }

    /** Removes the device named {@code name}; its token is refused from now on (without counting as a guess). */
    public Optional<Device> revoke(String name) throws IOException {
        Optional<Device> d;
        synchronized (this) {
            d = byName(name);
            d.ifPresent(x -> {
                byHash.remove(x.tokenHash());
                revoked.put(x.tokenHash(), Boolean.TRUE);
            });
        }
        if (d.isPresent()) {
            save();
        }
        return d;
    }

    /** Returns true while the device {@code id} is paired. */
    public synchronized boolean isPaired(String id) {
        return byHash.values().stream().anyMatch(d -> d.id().equals(id));
    }

    @Override
    public Optional<Identity> resolve(String token, String address) {
        if (token == null || !token.startsWith(TOKEN_PREFIX)) {
            return Optional.empty();
        }
        String h = sha256(token);
        Device d;
        synchronized (this) {
            d = byHash.get(h);
            if (d == null) {
                return Optional.empty();
            }
            byHash.put(h, d.seen(clock.instant(), address));
            dirty = true;
        }
        Grant g = grantOf(d);
        return Optional.of(Identity.of("device:" + d.name(), d.cap(), "device", g));
    }

    @Override
    public synchronized boolean wasPaired(String token) {
        return token != null && token.startsWith(TOKEN_PREFIX) && revoked.containsKey(sha256(token));
    }

    /** The grant lookup: the live device {@code id}, with its pairer's current stable id as its source. */
    Optional<Grant> grant(String id) {
        Device d;
        synchronized (this) {
            d = byHash.values().stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
        }
        return d == null ? Optional.empty() : Optional.of(grantOf(d));
    }

    private Grant grantOf(Device d) {
        // A pairer no longer configured resolves to a source no lookup knows: the device stands for nothing.
        String source = sourceId(d.pairerKey()).orElse("gone:" + d.pairerKey());
        return new Grant(Grant.Kind.DEVICE, d.id(), new Grant.Ref(Grant.Kind.CREDENTIAL, source), d.cap(), Optional.empty());
    }

    /** Maps a restart-proof pairer key to the stable id of the configured credential it names now. */
    private Optional<String> sourceId(String pairerKey) {
        Credentials now = credentials.get();
        if (now != indexed) {
            Map<String, String> idx = new LinkedHashMap<>();
            for (Credential c : now.all()) {
                idx.put(pairerKey(c), now.idOf(c));
            }
            keyIndex = idx;
            indexed = now;
        }
        return Optional.ofNullable(keyIndex.get(pairerKey));
    }

    /** The restart-proof key of a credential: an HMAC of its kind, name and secret under the state directory's key. */
    String pairerKey(Credential c) {
        return Credentials.fingerprint(c, pairingKey, "pk-", 16);
    }

    /** Writes the book when last-seen times changed since the last write. */
    public void flushDirty() {
        boolean write;
        synchronized (this) {
            write = dirty;
        }
        if (write) {
            try {
                save();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not write {0}: {1}", FILE, e.getMessage());
            }
        }
    }

    private void save() throws IOException {
        if (state.isEmpty()) {
            return;
        }
        String text;
        synchronized (this) {
            ObjectNode root = mapper.createObjectNode();
            root.put("version", 1);
            ArrayNode list = root.putArray("devices");
            for (Device d : byHash.values()) {
                ObjectNode o = list.addObject();
                o.put("id", d.id()).put("name", d.name()).put("scope", d.cap().label()).put("pairer", d.pairerName())
                        .put("pairer_key", d.pairerKey()).put("token_sha256", d.tokenHash()).put("created", d.created().toString());
                if (d.lastSeen() != null) {
                    o.put("last_seen", d.lastSeen().toString());
                }
                if (d.lastAddress() != null) {
                    o.put("last_address", d.lastAddress());
                }
            }
            text = root.toPrettyString() + "\n";
            dirty = false;
        }
        synchronized (state.get()) {
            state.get().write(FILE, text);
        }
    }

    private void purgeExpired() {
        Instant now = clock.instant();
        codes.values().removeIf(c -> !c.expires().isAfter(now));
    }

    static String sha256(String s) {
        return Secret.sha256Hex(s);
    }
}
