package dev.hermesfront.gateway.config;

import static java.util.Objects.requireNonNull;

import dev.hermesfront.bridge.park.ParkingPolicy;
import java.time.Duration;

/**
 * Settings of the /api/ws channel's agents and clients.
 *
 * @param parking        how long and how much a detached agent is kept (default 2 min, 10,000 frames, 8 Mi chars)
 * @param maxAgents      agents running or parked at once; new connections past it are closed with 1013 (default 1024)
 * @param spawnBurst     new agents a credential may start in a burst (default 8)
 * @param spawnPerSecond sustained new agents per second per credential (default 0.5)
 * @param readyTimeout   how long a new agent may take to send {@code gateway.ready} before the client is closed 1011 (default 60 s)
 * @param pingInterval   WebSocket ping interval towards non-loopback clients; zero disables (default 20 s)
 * @param pingLoopback   whether loopback clients are pinged too (default false, as the dashboard does)
 * @param clientStall    how long a client may leave its queue above the high-water mark before it is closed 1013 (default 30 s)
 * @param agentsPerCredential agents one credential may have running or parked at once (default 4: each is a process
 *                       of some 60 MB); 0 derives it: three quarters of {@code maxAgents}
 * @param memoryBudgetBytes heap that frames waiting for clients may hold in total, across every client queue and
 *                       parking buffer; 0 (default) derives it: a quarter of the JVM's maximum heap
 * @param sharesPerCredential live share links one credential may have minted at once (default 100)
 * @param sharesPerAgent live share links to one agent at once (default 20)
 * @param agentsPerReadCredential agents a {@code read} credential may have at once (default 1: it can only observe, and
 *                       one agent lists and reads the sessions); never more than {@code agentsPerCredential}
 * @param wsEngine       what frames /api/ws: {@code raw} (our own framing) or {@code jakarta} (Undertow's Jakarta endpoint)
 */
public record TuiSettings(ParkingPolicy parking, int maxAgents, int spawnBurst, double spawnPerSecond, Duration readyTimeout,
                          Duration pingInterval, boolean pingLoopback, Duration clientStall, int agentsPerCredential,
                          long memoryBudgetBytes, int sharesPerCredential, int sharesPerAgent, int agentsPerReadCredential,
                          String wsEngine) {
    public TuiSettings {
        if (!"raw".equals(wsEngine) && !"jakarta".equals(wsEngine)) {
            throw new ConfigException("tui.ws_engine", String.valueOf(wsEngine), "raw or jakarta");
        }
        if (sharesPerCredential < 1 || sharesPerAgent < 1) {
            throw new ConfigException("share links per credential / per agent", sharesPerCredential + " / " + sharesPerAgent, "1 or more");
        }
        if (agentsPerReadCredential < 1) {
            throw new ConfigException("tui.agents_per_read_credential", Integer.toString(agentsPerReadCredential), "an integer of at least 1");
        }
        requireNonNull(parking, "parking");
        requireNonNull(readyTimeout, "readyTimeout");
        requireNonNull(pingInterval, "pingInterval");
        requireNonNull(clientStall, "clientStall");
        if (maxAgents < 1) {
            throw new ConfigException("max-agents", Integer.toString(maxAgents), "an integer of at least 1");
        }
        if (agentsPerCredential < 0 || memoryBudgetBytes < 0) {
            throw new ConfigException("agents per credential / memory budget", agentsPerCredential + " / " + memoryBudgetBytes,
                    "0 (derived) or more");
        }
        if (spawnBurst < 1 || !(spawnPerSecond > 0)) {
            throw new ConfigException("spawn rate", spawnBurst + " burst, " + spawnPerSecond + "/s", "a burst >= 1 and a rate > 0");
        }
    }

    /** As the canonical constructor, with the table's default {@code wsEngine}. */
    public TuiSettings(ParkingPolicy parking, int maxAgents, int spawnBurst, double spawnPerSecond, Duration readyTimeout,
                       Duration pingInterval, boolean pingLoopback, Duration clientStall, int agentsPerCredential,
                       long memoryBudgetBytes, int sharesPerCredential, int sharesPerAgent, int agentsPerReadCredential) {
        this(parking, maxAgents, spawnBurst, spawnPerSecond, readyTimeout, pingInterval, pingLoopback, clientStall, agentsPerCredential,
                memoryBudgetBytes, sharesPerCredential, sharesPerAgent, agentsPerReadCredential, Settings.DEFAULTS.get(Settings.WS_ENGINE));
    }

    /** Returns true when /api/ws is framed by our own code ({@code tui.ws_engine = raw}). */
    public boolean rawEngine() {
        return "raw".equals(wsEngine);
    }

    /** Returns the defaults: the settings table's. */
    public static TuiSettings defaults() {
        return from(Settings.DEFAULTS);
    }

    /** Returns the settings of {@code v}, read row by row (in the order {@code hermes-front config} lists them). */
    public static TuiSettings from(Settings.Values v) {
        long frames = v.get(Settings.PARK_BUFFER_FRAMES);
        return new TuiSettings(new ParkingPolicy(v.get(Settings.PARK_WINDOW), (int) frames, v.get(Settings.PARK_BUFFER_BYTES)),
                v.get(Settings.MAX_AGENTS).intValue(), v.get(Settings.SPAWN_BURST).intValue(), v.get(Settings.SPAWN_PER_SECOND),
                v.get(Settings.READY_TIMEOUT), v.get(Settings.PING_INTERVAL), v.get(Settings.PING_LOOPBACK), v.get(Settings.CLIENT_STALL),
                v.get(Settings.AGENTS_PER_CREDENTIAL).intValue(), v.get(Settings.MEMORY_BUDGET),
                v.get(Settings.SHARES_PER_CREDENTIAL).intValue(), v.get(Settings.SHARES_PER_AGENT).intValue(),
                v.get(Settings.AGENTS_PER_READ_CREDENTIAL).intValue(), v.get(Settings.WS_ENGINE));
    }
}
