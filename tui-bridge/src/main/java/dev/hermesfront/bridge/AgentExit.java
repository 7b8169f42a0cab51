package dev.hermesfront.bridge;

/**
 * Why an agent went away.
 *
 * @param exitCode the process exit status, or -1 when there is none
 * @param reason   a short text safe to show a client (no paths, no secrets)
 */
public record AgentExit(int exitCode, String reason) {
    /** Describes a process that exited on its own. */
    public static AgentExit exited(int code) {
        return new AgentExit(code, "agent exited with status " + code);
    }
}
