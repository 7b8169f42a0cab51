package dev.hermesfront.gateway;

import java.nio.file.Path;
import java.util.Map;

/** Lets tests in other packages run the command line (GatewayMain.commandLine is package-private). */
public final class GatewayMainAccess {
    private GatewayMainAccess() {}

    /** Runs {@code args} as {@code hermes-front} would, with {@code env} and home {@code home}; returns the exit code. */
    public static int run(Map<String, String> env, Path home, String... args) {
        return GatewayMain.commandLine(env, home).execute(args);
    }
}
