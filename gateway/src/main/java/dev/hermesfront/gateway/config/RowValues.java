package dev.hermesfront.gateway.config;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The value of each row of the settings table ({@link Settings}) that a configuration was built from: typed for one-value
 * rows, a list of typed values for a list row, the text for a secret. {@code ConfigLoader} records every row it reads; a
 * row it did not read (or a config built from defaults) has its default. {@code ops.ConfigDiff} compares two of these
 * row by row, and the table-bound records ({@link TuiSettings#from}, {@link LimitSettings#from}, …) are built from one.
 * Immutable; {@code toString} names the rows and redacts secrets.
 */
public final class RowValues implements Settings.Values {
    /** No row set: every row has its default. */
    public static final RowValues DEFAULTS = new RowValues(Map.of());

    private final Map<String, Object> byKey;

    private RowValues(Map<String, Object> byKey) {
        this.byKey = byKey;
    }

    /** Returns the values recorded in {@code byKey} (row key to value). */
    static RowValues of(Map<String, Object> byKey) {
        return new RowValues(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byKey)));
    }

    /** Returns the typed value of a one-value row: the recorded one, else the row's default. */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> s) {
        Object v = byKey.get(s.key());
        return v != null ? (T) v : s.defaultValue();
    }

    /** Returns true when row {@code s} was set (read by the loader, or by {@link #with}). */
    public boolean has(Setting<?> s) {
        return byKey.containsKey(s.key());
    }

    /** Returns the values of a list row; empty when none was set. */
    @SuppressWarnings("unchecked")
    public <T> List<T> list(Setting<T> s) {
        Object v = byKey.get(s.key());
        return v == null ? List.of() : (List<T>) v;
    }

    /** Returns these values with {@code s} set to {@code value}. */
    public <T> RowValues with(Setting<T> s, T value) {
        return put(s, Objects.requireNonNull(value, s.key()));
    }

    /** Returns these values with the list row {@code s} set to {@code values}. */
    public <T> RowValues withList(Setting<T> s, List<T> values) {
        return put(s, List.copyOf(values));
    }

    /** Returns these values with {@code s} set as it is in {@code other} (absent there: absent here). */
    public RowValues withRowOf(RowValues other, Setting<?> s) {
        Map<String, Object> m = new LinkedHashMap<>(byKey);
        if (other.byKey.containsKey(s.key())) {
            m.put(s.key(), other.byKey.get(s.key()));
        } else {
            m.remove(s.key());
        }
        return of(m);
    }

    private RowValues put(Setting<?> s, Object v) {
        Map<String, Object> m = new LinkedHashMap<>(byKey);
        m.put(s.key(), v);
        return of(m);
    }

    /** Returns true when row {@code s} has the same value here and in {@code other} (a list element by element). */
    public boolean same(RowValues other, Setting<?> s) {
        Object a = byKey.get(s.key());
        Object b = other.byKey.get(s.key());
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!Objects.deepEquals(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.deepEquals(a, b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowValues r && Settings.TABLE.stream().allMatch(s -> same(r, s));
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(byKey.get(Settings.LISTEN.key())); // equal values have the same listen row
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("RowValues[");
        byKey.forEach((k, v) -> {
            boolean secret = Settings.byKey(k).map(Setting::secret).orElse(true) || k.equals(Settings.BASIC_USERS.key())
                    || k.equals(Settings.AGENT_ENV.key());
            b.append(k).append('=').append(secret ? "<redacted>" : v instanceof Object[] a ? Arrays.toString(a) : v).append(", ");
        });
        return b.append(']').toString();
    }
}
