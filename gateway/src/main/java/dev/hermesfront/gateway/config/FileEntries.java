package dev.hermesfront.gateway.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The list-valued, file-only parts of the YAML file, bound as records that refuse unknown properties:
 * {@code credentials} and {@code peers} (and the {@code basic} block both use). Keys are checked against
 * the records' properties first so that a typo gets the file, line and a suggestion.
 */
final class FileEntries {
    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private FileEntries() {}

    /** {@code basic: {user, password | password_env | password_file}}. */
    record BasicEntry(String user, String password, @JsonProperty("password_env") String passwordEnv,
                      @JsonProperty("password_file") String passwordFile) {
        static final Set<String> KEYS = Set.of("user", "password", "password_env", "password_file");
    }

    /** One {@code credentials} entry. */
    record CredentialEntry(String name, String token, @JsonProperty("token_env") String tokenEnv,
                           @JsonProperty("token_file") String tokenFile, BasicEntry basic, String scope, String identity,
                           Boolean delegate) {
        static final Set<String> KEYS = Set.of("name", "token", "token_env", "token_file", "basic", "scope", "identity", "delegate");
    }

    /** One {@code peers} entry. */
    record PeerEntry(String name, String url, String token, @JsonProperty("token_env") String tokenEnv,
                     @JsonProperty("token_file") String tokenFile, BasicEntry basic, String timeout) {
        static final Set<String> KEYS = Set.of("name", "url", "token", "token_env", "token_file", "basic", "timeout");
    }

    /** Binds {@code node} (at {@code path} of {@code doc}) to {@code type}, after checking its keys against {@code keys}. */
    static <T> T bind(YamlDoc doc, String path, JsonNode node, Class<T> type, Set<String> keys, String shape) {
        if (!node.isObject()) {
            throw new ConfigException(doc.where(path) + ": " + path + " must be a mapping " + shape);
        }
        node.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                throw unknownKey(doc, path + "." + k, k, path, keys);
            }
        });
        JsonNode basic = node.get("basic");
        if (basic != null && !basic.isNull()) {
            bind(doc, path + ".basic", basic, BasicEntry.class, BasicEntry.KEYS, "{user, password | password_env | password_file}");
        }
        try {
            return MAPPER.treeToValue(node, type);
        } catch (Exception e) {
            throw new ConfigException(doc.where(path) + ": " + path + " must be " + shape);
        }
    }

    /** The error for a key nobody declared, with the closest known key when one is near. */
    static ConfigException unknownKey(YamlDoc doc, String path, String key, String section, Set<String> known) {
        String near = closest(key, known);
        return new ConfigException(doc.where(path) + ": unknown key \"" + key + "\"" + (section.isEmpty() ? "" : " under " + section)
                + (near == null ? "; known keys: " + String.join(", ", new TreeSet<>(known)) : " (did you mean " + near + "?)"));
    }

    /** Returns the known key within edit distance 3 of {@code key} (the nearest), or null. */
    static String closest(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : new TreeSet<>(known)) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT), k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= Math.max(2, Math.min(3, key.length() / 3)) ? best : null;
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    static String keys(Set<String> keys) {
        return Arrays.stream(keys.toArray(String[]::new)).sorted().collect(Collectors.joining(", "));
    }
}
