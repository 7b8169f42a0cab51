package dev.hermesfront.bridge.hub;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sessions an agent has live, as learned from the answers to its clients' session calls: live ids and
 * the stored id each one belongs to. Bounded ({@link #MAX}); guarded by the hub's monitor.
 */
final class SessionBook {
    static final int MAX = 4096;

    private final Set<String> live = new LinkedHashSet<>();
    private final Map<String, String> liveByStored = new LinkedHashMap<>();
    private final Map<String, String> storedByLive = new LinkedHashMap<>();

    void learn(String liveId, String storedId) {
        if (live.add(liveId) && live.size() > MAX) {
            String oldest = live.iterator().next();
            live.remove(oldest);
            String s = storedByLive.remove(oldest);
            if (s != null) {
                liveByStored.remove(s);
            }
        }
        if (storedId != null && !storedId.isEmpty()) {
            liveByStored.put(storedId, liveId);
            storedByLive.put(liveId, storedId);
        }
    }

    boolean isLive(String id) {
        return live.contains(id);
    }

    /** Returns the live session {@code id} names: itself when live, the live session of a stored id, else null. */
    String liveFor(String id) {
        if (id == null) {
            return null;
        }
        return live.contains(id) ? id : liveByStored.get(id);
    }

    String storedOf(String liveId) {
        return storedByLive.get(liveId);
    }

    List<String> live() {
        return new ArrayList<>(live);
    }
}
