package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import java.util.EnumSet;
import java.util.Set;

/**
 * One row of the settings table ({@link Settings}): everything about one setting, declared once. The CLI
 * options of {@code demo}, {@code serve}, {@code config} and {@code doctor}, the YAML key check, the
 * provenance {@code config} prints and the test against {@code docs/configuration.md} all derive from the
 * rows; nothing else names a flag or a variable.
 *
 * @param key      the YAML key, dotted for sections ({@code tui.park_window})
 * @param flag     the command-line flag ({@code --park-window}); every setting has one
 * @param env      the environment variable ({@code HERMES_FRONT_PARK_WINDOW}); every setting has one
 * @param label    what the flag takes, for help ({@code DURATION}); {@code null} for an on/off flag
 * @param dflt     the default as written in the docs and help ({@code 2m}), or {@code null} when there is none
 * @param parser   turns one text value into the typed value, or throws {@link ConfigException}
 * @param doc      one line for help and docs
 * @param shape    one value, a list (repeatable flag, comma-separated variable, YAML list), or a secret
 *                 (also {@code KEY_env} and {@code KEY_file} in YAML, redacted wherever printed)
 * @param commands the commands that take it
 * @param reload   what a reload does with a changed value ({@link Reload}); {@link Reload#RESTART} unless the row says
 *                 otherwise ({@link #withReload})
 * @param <T>      the typed value
 */
public record Setting<T>(String key, String flag, String env, String label, String dflt, Parser<T> parser, String doc, Shape shape,
                         Set<Command> commands, Reload reload) {
    /** How many values a setting holds and how it is shown. */
    public enum Shape { ONE, LIST, SECRET, SWITCH }

    /**
     * What a reload ({@code SIGHUP}, {@code POST /front/reload}) does when the row's value changed; {@code ops.ConfigDiff}
     * compares every row and reports it by this, and the configuration a reload runs takes the new value of an
     * {@code APPLIED} row and keeps the running value of a {@code RESTART} row.
     */
    public enum Reload {
        /** Applied in place: requests after the reload see the new value. */
        APPLIED,
        /** Needs a restart: the running value stays, and the reload reports the row. */
        RESTART,
        /**
         * Not compared by {@code ConfigDiff}: the command's own configuration source compares it ({@code agent.*},
         * {@code record}: restart needed) or applies it on every load ({@code log_*}), or it says where the other values
         * come from ({@code config}, {@code hermes_home}: what they supplied is compared).
         */
        CALLER
    }

    /** The commands of {@code hermes-front} that take settings. */
    public enum Command { DEMO, SERVE, CONFIG, DOCTOR, PAIR, DEVICES }

    /** Every command. */
    public static final Set<Command> ALL = EnumSet.allOf(Command.class);
    /** The agent's own settings: not for {@code demo}, which runs the built-in agent. */
    public static final Set<Command> AGENT = EnumSet.of(Command.SERVE, Command.CONFIG, Command.DOCTOR);

    /** Turns one text value into a typed one; {@code name} is what to call the setting in the error. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String name, String text);
    }

    /** A row that needs a restart when it changes ({@link Reload#RESTART}); {@link #withReload} says otherwise. */
    public Setting(String key, String flag, String env, String label, String dflt, Parser<T> parser, String doc, Shape shape,
                   Set<Command> commands) {
        this(key, flag, env, label, dflt, parser, doc, shape, commands, Reload.RESTART);
    }

    public Setting {
        requireNonNull(reload, "reload");
        requireNonNull(key, "key");
        requireNonNull(flag, "flag");
        requireNonNull(env, "env");
        requireNonNull(parser, "parser");
        requireNonNull(doc, "doc");
        requireNonNull(shape, "shape");
        commands = Set.copyOf(commands);
        if (!flag.startsWith("--") || !env.startsWith("HERMES_FRONT_")) {
            throw new IllegalArgumentException("setting " + key + ": flag must start with --, variable with HERMES_FRONT_");
        }
    }

    /** Returns this row with {@code r} as what a reload does with it. */
    public Setting<T> withReload(Reload r) {
        return new Setting<>(key, flag, env, label, dflt, parser, doc, shape, commands, r);
    }

    /** Returns the typed value of {@code text}. */
    public T parse(String name, String text) {
        return parser.parse(name, text);
    }

    /**
     * Returns the typed default: {@link #dflt}, the text help and the docs show, read by the row's own parser, so
     * that the default is written once. A switch without one is off. Throws {@link IllegalStateException} for a row
     * whose default is not a value but a rule its reader applies ({@code cores, at least 2}), or that has none.
     */
    public T defaultValue() {
        if (dflt == null && shape == Shape.SWITCH) {
            return parser.parse(key, "false");
        }
        if (dflt == null) {
            throw new IllegalStateException("setting " + key + " has no default");
        }
        try {
            return parser.parse(key + " (default)", dflt);
        } catch (ConfigException e) {
            throw new IllegalStateException("setting " + key + ": its default \"" + dflt + "\" is a rule, not a value", e);
        }
    }

    /** Returns true for a secret ({@code KEY}, {@code KEY_env} or {@code KEY_file} in YAML; redacted when shown). */
    public boolean secret() {
        return shape == Shape.SECRET;
    }

    /** Returns true for a list. */
    public boolean list() {
        return shape == Shape.LIST;
    }
}
