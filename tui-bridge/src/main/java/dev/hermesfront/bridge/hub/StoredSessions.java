package dev.hermesfront.bridge.hub;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Which principal each stored session belongs to (issue 21, F6): the agent's stored sessions live in one shared
 * database ({@code $HERMES_HOME/state.db}), so {@code session.list}, {@code session.most_recent} and a resume by stored
 * id would otherwise show every credential everybody's conversations. A stored session is claimed by the owner (its
 * stable source, {@link Owner#source()}) of the agent that first reported it (the answer to {@code session.create},
 * {@code session.resume}, {@code session.branch}…). The hub then filters: a credential's clients list, resume and
 * delete only the stored sessions their agent's owner claimed (plus, for the principals {@link #policy} names, the
 * unclaimed ones: sessions made before the front, or by the operator outside it); a share link's clients only the
 * shared agent's own sessions.
 *
 * <p>Off ({@link #enabled()} false) when one credential is configured: a single-user install keeps the operator's own
 * home and every stored session, unchanged. In memory, bounded ({@link #MAX}, oldest claims forgotten first): after a
 * restart earlier sessions are unclaimed. Thread-safe.
 */
public final class StoredSessions {
    static final int MAX = 100_000;

    private final Map<String, String> owners = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX;
        }
    };
    private volatile BooleanSupplier enabled = () -> false;
    private volatile Predicate<String> seesUnclaimed = source -> true;
    private volatile Predicate<String> stands = source -> true;

    /**
     * Sets when filtering applies and who sees unclaimed stored sessions.
     *
     * @param on            true while stored sessions are kept apart (more than one credential)
     * @param seesUnclaimed the owner sources that see sessions nobody claimed (admins)
     * @param stands        whether a claimant still exists; a removed one's sessions count as unclaimed (its
     *                      successor under the same name, another source, does not inherit them)
     */
    public void policy(BooleanSupplier on, Predicate<String> seesUnclaimed, Predicate<String> stands) {
        this.enabled = on;
        this.seesUnclaimed = seesUnclaimed;
        this.stands = stands;
    }

    /** Returns true while stored sessions are kept apart by owner. */
    public boolean enabled() {
        return enabled.getAsBoolean();
    }

    /** Claims {@code stored} for {@code source} unless someone already did. */
    public synchronized void claim(String stored, String source) {
        if (stored != null && !stored.isEmpty()) {
            owners.putIfAbsent(stored, source);
        }
    }

    /** Returns who claimed {@code stored}, or null. */
    public synchronized String owner(String stored) {
        return owners.get(stored);
    }

    /** Returns true when an agent owned by {@code source} may see stored session {@code stored}. */
    public boolean visibleTo(String source, String stored) {
        if (!enabled()) {
            return true;
        }
        String o = owner(stored);
        return o == null || !stands.test(o) ? seesUnclaimed.test(source) : o.equals(source);
    }
}
