package dev.hermesfront.gateway;

import dev.hermesfront.bridge.AgentLauncher;
import dev.hermesfront.bridge.AgentLink;
import dev.hermesfront.bridge.ClientSink;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.HubSettings;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A gateway for the memory-budget test, meant to run in its own small JVM ({@code -Xmx128m}): the demo agent,
 * except that any client frame containing {@code FLOOD} makes its agent write a long reply as fast as the
 * client takes it (8 KiB {@code message.delta} frames, paced like the stdio reader, each a fresh string as
 * stdout lines are). Prints {@code PORT n}; on the line {@code stats} prints {@code STATS used limit agents
 * parked}; stops at the end of its input.
 */
public final class FloodGatewayMain {
    private FloodGatewayMain() {}

    public static void main(String[] args) throws Exception {
        DemoLauncher demo = new DemoLauncher(AgentJson.newMapper(), new FrameCodec());
        AgentLauncher flood = new AgentLauncher() {
            @Override
            public AgentLink open(ClientSink sink) throws java.io.IOException {
                AgentLink inner = demo.open(sink);
                AtomicBoolean stopped = new AtomicBoolean();
                return new AgentLink() {
                    @Override
                    public boolean send(dev.hermesfront.protocol.WireFrame wire) {
                        String frame = wire.text();
                        if (frame.contains("FLOOD")) {
                            Thread t = new Thread(() -> pour(sink, stopped), "flood");
                            t.setDaemon(true);
                            t.start();
                        }
                        return inner.send(frame);
                    }

                    @Override
                    public void close() {
                        stopped.set(true);
                        inner.close();
                    }

                    @Override
                    public String describe() {
                        return "flood agent";
                    }
                };
            }

            @Override
            public String kind() {
                return "flood";
            }

            @Override
            public void close() {
                demo.close();
            }
        };
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), Secret.of(args[0]))).agentLimits(1024, 1000, 1000).get();
        GatewayServer server = GatewayServer.builder(cfg, flood).hub(HubSettings.defaults()).build().start();
        System.out.println("PORT " + server.port());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("stats")) {
                System.out.println("STATS " + server.agents().budget().used() + " " + server.agents().budget().limit() + " "
                        + server.agents().size() + " " + server.parked());
                System.out.flush();
            }
        }
        server.close();
    }

    private static void pour(ClientSink sink, AtomicBoolean stopped) {
        char[] text = new char[8 * 1024];
        Arrays.fill(text, 'x');
        String head = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"message.delta\", \"session_id\": \"flood\", "
                + "\"payload\": {\"text\": \"";
        try {
            for (int i = 0; i < 200_000 && !stopped.get(); i++) {
                sink.awaitWritable(Duration.ofSeconds(30));
                text[0] = (char) ('a' + i % 26);
                sink.send(head + String.valueOf(text) + "\"}}}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
