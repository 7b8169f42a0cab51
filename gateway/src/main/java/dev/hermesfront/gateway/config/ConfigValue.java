package dev.hermesfront.gateway.config;

/**
 * One effective setting as {@code hermes-front config} prints it.
 *
 * @param key    the YAML key, e.g. {@code api.upstream}
 * @param value  the value, secrets already redacted
 * @param source where it came from: {@code flag --x}, {@code env NAME}, {@code file PATH}, {@code .env PATH (NAME)} or {@code default}
 */
public record ConfigValue(String key, String value, String source) {}
