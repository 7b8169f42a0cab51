package dev.hermesfront.gateway.config;

/** A configuration value is wrong; the message names the key, the value and the expected form. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String key, String value, String expected) {
        super(key + ": \"" + value + "\" (expected: " + expected + ")");
    }

    public ConfigException(String message) {
        super(message);
    }
}
