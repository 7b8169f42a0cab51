package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.TestGateway;
import dev.hermesfront.gateway.WsTestClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@code gateway.ping} (tui-wire-current.md §3): answered by the front for a local agent, passed on to an upstream. */
class PingTest {
    private static final String READY = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": "
            + "{\"skin\": {}, \"change_events\": true, \"replay_epoch\": \"e1\", \"capabilities\": {}, \"protocol\": {\"version\": 1}}}}";

    /** An in-process agent that records what reaches it and answers every call with {"echo": method}. */
    private static final class Recording implements AgentLauncher {
        final List<String> received = new CopyOnWriteArrayList<>();
        final boolean local;

        Recording(boolean local) {
            this.local = local;
        }

        @Override
        public AgentLink open(ClientSink sink) {
            sink.send(READY);
            return new AgentLink() {
                @Override
                public boolean send(dev.hermesfront.protocol.WireFrame frame) {
                    received.add(frame.text());
                    sink.send("{\"jsonrpc\": \"2.0\", \"id\": \"up\", \"result\": {\"from\": \"agent\"}}");
                    return true;
                }

                @Override
                public void close() {
                }

                @Override
                public String describe() {
                    return "recording agent";
                }
            };
        }

        @Override
        public boolean frontAnswersPings() {
            return local;
        }

        @Override
        public String kind() {
            return "recording";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void answersPingsItselfForALocalAgentAndAnnouncesTheHeartbeat() throws Exception {
        Recording agent = new Recording(true);
        try (TestGateway gw = TestGateway.start(agent, c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
             WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertTrue(c.next().contains("\"heartbeat\": true"));
            c.send("{\"jsonrpc\":\"2.0\",\"id\":\"heartbeat-1\",\"method\":\"gateway.ping\",\"params\":{}}");
            assertEquals("{\"jsonrpc\": \"2.0\", \"result\": {\"ok\": true}, \"id\": \"heartbeat-1\"}", c.next());
            c.send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"gateway.ping\"}");
            assertEquals("{\"jsonrpc\": \"2.0\", \"result\": {\"ok\": true}, \"id\": 7}", c.next());
            c.send("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\",\"params\":{}}");
            c.next();
            assertEquals(1, agent.received.size(), "only the contract's ping reached the agent: " + agent.received);
        }
    }

    @Test
    void passesPingsToAnUpstreamThatAnswersItsOwn() throws Exception {
        Recording agent = new Recording(false);
        try (TestGateway gw = TestGateway.start(agent, c -> ConfigEdit.edit(c).parking(ParkingPolicy.disabled()).get());
             WsTestClient c = WsTestClient.connect(gw.wsUri())) {
            assertFalse(c.next().contains("heartbeat"), "an upstream's ready is passed as it is");
            String ping = "{\"jsonrpc\":\"2.0\",\"id\":\"heartbeat-1\",\"method\":\"gateway.ping\",\"params\":{}}";
            c.send(ping);
            assertTrue(c.next().contains("\"from\": \"agent\""));
            assertEquals(List.of(ping), agent.received);
        }
    }
}
