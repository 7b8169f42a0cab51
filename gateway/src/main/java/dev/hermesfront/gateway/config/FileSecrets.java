package dev.hermesfront.gateway.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads the secrets of the YAML file and the settings: a value given as itself, as the name of a variable holding it
 * ({@code _env}), or as a file holding it ({@code _file}), and checks that a secret guarding a non-loopback address is
 * long enough. Used by {@link ConfigLoader}, {@link CredentialList} and {@link PeerList}.
 */
final class FileSecrets {
    private final YamlDoc yaml;
    private final Map<String, String> env;
    private final Path userHome;

    /**
     * @param yaml     the YAML file, or null when there is none
     * @param env      the process's variables
     * @param userHome what {@code ~} stands for
     */
    FileSecrets(YamlDoc yaml, Map<String, String> env, Path userHome) {
        this.yaml = yaml;
        this.env = env;
        this.userHome = userHome;
    }

    /** Reads a secret given as the value itself, the name of a variable holding it, or a file holding it; at most one; null when none. */
    Secret read(String plain, String envName, String path, String where) {
        int set = (plain != null ? 1 : 0) + (envName != null ? 1 : 0) + (path != null ? 1 : 0);
        if (set == 0) {
            return null;
        }
        String loc = yaml == null ? where : yaml.where(where) + ": " + where;
        if (set > 1) {
            throw new ConfigException(loc + ": only one of the secret, its _env or its _file may be set");
        }
        String value;
        if (plain != null) {
            value = plain;
        } else if (envName != null) {
            value = env.get(envName);
            if (value == null || value.isBlank()) {
                throw new ConfigException(loc + "_env", envName, "the name of a set, non-empty environment variable");
            }
        } else {
            Path p = expand(userHome, path);
            try {
                value = Files.readString(p, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException(loc + "_file", path, "a readable file holding the secret");
            }
        }
        if (value == null || value.isEmpty()) {
            throw new ConfigException(loc, "", "a non-empty secret");
        }
        return Secret.of(value);
    }

    /** Reads the password of a YAML {@code basic} entry ({@code password}, {@code password_env} or {@code password_file}). */
    Secret basicPassword(FileEntries.BasicEntry b, String where) {
        if (b.user() == null || b.user().isEmpty()) {
            throw new ConfigException(yaml.where(where + ".basic") + ": " + where + ".basic.user is missing (expected: a user name)");
        }
        Secret pw = read(b.password(), b.passwordEnv(), b.passwordFile(), where + ".basic.password");
        if (pw == null) {
            throw new ConfigException(yaml.where(where + ".basic") + ": " + where + ".basic needs one of password, password_env or password_file");
        }
        return pw;
    }

    /** A token or password ({@code name} in errors), refused when it is too short to protect a non-loopback bind. */
    static String checked(String secret, String name, boolean loopback) {
        String v = secret.strip();
        if (!loopback && v.length() < ConfigLoader.MIN_SECRET_LENGTH) {
            throw new ConfigException(name + ": a token or password of " + v.length() + " characters on a non-loopback address "
                    + "(expected: at least " + ConfigLoader.MIN_SECRET_LENGTH + " characters; try openssl rand -hex 24)");
        }
        return v;
    }

    /** What {@code config} shows for a secret: its length only. */
    static String redacted(String secret) {
        return secret.isEmpty() ? "(none)" : "<redacted, " + secret.strip().length() + " chars>";
    }

    /** Where a YAML key stands, as {@code config} shows a value's source. */
    String fileSource(String key) {
        return "file " + yaml.where(key) + " (" + key + ")";
    }

    /** Resolves {@code ~} and {@code ~/} in {@code p} against {@code userHome}. */
    static Path expand(Path userHome, String p) {
        String v = p.strip();
        if (v.equals("~")) {
            return userHome;
        }
        if (v.startsWith("~/")) {
            return userHome.resolve(v.substring(2));
        }
        return Path.of(v);
    }
}
