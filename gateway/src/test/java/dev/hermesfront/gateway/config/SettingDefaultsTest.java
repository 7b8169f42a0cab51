package dev.hermesfront.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.bridge.process.AgentCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Defaults are written once, in the settings table: every row's default is a value its own parser reads (or, for
 * the few listed here, a rule its reader applies); the records' {@code defaults()} are built from the rows; and the
 * defaults that tui-bridge keeps for itself (it cannot see the table) are the table's.
 */
class SettingDefaultsTest {
    /** Rows whose default is a rule, not a value. */
    static final Set<String> RULES = Set.of("pools.io_threads", "api.upstream");

    @Test
    void everyRowsDefaultIsAValueOfItsType() {
        for (Setting<?> s : Settings.TABLE) {
            if (s.dflt() == null && s.shape() != Setting.Shape.SWITCH || RULES.contains(s.key())) {
                continue;
            }
            Object v = s.defaultValue();
            if (s.shape() == Setting.Shape.SWITCH) {
                assertEquals(Boolean.FALSE, v, s.key());
            }
        }
        assertThrows(IllegalStateException.class, Settings.IO_THREADS::defaultValue);
        assertThrows(IllegalStateException.class, Settings.AGENT_CMD::defaultValue);
    }

    @Test
    void recordsDefaultToTheTable() {
        TuiSettings t = TuiSettings.defaults();
        assertEquals(1024, t.maxAgents());
        assertEquals(Settings.READY_TIMEOUT.defaultValue(), t.readyTimeout());
        assertEquals(Settings.MAX_MESSAGE_BYTES.defaultValue().intValue(), LimitSettings.defaults().maxMessageBytes());
        assertEquals(Settings.OUTBOUND_LIMIT.defaultValue(), LimitSettings.defaults().outboundLimit());
        assertEquals(Settings.WS_BURST.defaultValue().intValue(), SecuritySettings.defaults().wsBurst());
        assertEquals(Settings.CLIENT_THREADS.defaultValue().intValue(), PoolSettings.defaults().clientThreads());
        assertEquals(Settings.PEER_TIMEOUT.defaultValue(), PeerSettings.none().timeout());
        assertEquals(Settings.IDLE_TIMEOUT.defaultValue(), UpstreamSettings.none().idle());
    }

    /** tui-bridge cannot read the table (it sits below gateway): its own defaults must equal the rows'. */
    @Test
    void bridgeDefaultsAreTheTables() {
        ParkingPolicy p = ParkingPolicy.defaults();
        assertEquals(TuiSettings.defaults().parking(), p);
        AgentCommand c = AgentCommand.of(List.of("agent"), Path.of("."), Map.of());
        assertEquals(Settings.AGENT_STOP_GRACE.defaultValue(), c.stopGrace());
        assertEquals(Settings.AGENT_EXIT_DRAIN.defaultValue(), c.exitDrain());
        assertEquals(Settings.AGENT_MAX_LINE_BYTES.defaultValue().intValue(), c.maxLineBytes());
    }
}
