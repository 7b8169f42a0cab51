package dev.hermesfront.gateway.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.hermesfront.bridge.MemoryBudget;
import dev.hermesfront.bridge.hub.AgentHub;
import dev.hermesfront.bridge.hub.AgentRegistry;
import dev.hermesfront.bridge.hub.Owner;
import dev.hermesfront.bridge.park.ParkingPolicy;
import dev.hermesfront.gateway.config.RemoteSettings.NotifySettings;
import dev.hermesfront.gateway.policy.AuditLog;
import dev.hermesfront.protocol.AgentJson;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The notifier's bounds: pending notifications past {@value Notifier#MAX_PENDING} are dropped, tracked requests stay bounded. */
class NotifierBoundsTest {
    @Test
    void dropsPastThePendingBoundAndForgetsTheOldestTrackedRequests() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService serverPool = Executors.newFixedThreadPool(4);
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        hook.setExecutor(serverPool);
        hook.createContext("/hook", ex -> {
            try {
                release.await(30, TimeUnit.SECONDS); // a receiver that hangs: every notification stays pending
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
        ExecutorService client = Executors.newFixedThreadPool(2);
        AgentRegistry agents = new AgentRegistry(ParkingPolicy.disabled(), AgentJson.newMapper(), new FrameCodec(), new MemoryBudget(1 << 20));
        try {
            NotifySettings s = new NotifySettings(Optional.of(URI.create("http://127.0.0.1:" + hook.getAddress().getPort() + "/hook")),
                    Optional.empty(), Optional.empty(), Duration.ofHours(1));
            Notifier n = new Notifier(s, "k", "box", URI.create("http://127.0.0.1:1/front/"), timers, Runnable::run,
                    HttpClient.newBuilder().executor(client).build(), AuditLog.disabled(), new ObjectMapper(), Clock.systemUTC(),
                    Duration.ofSeconds(1));
            AgentHub hub = agents.create(new Owner("alice", "alice"), true);
            int over = 40;
            for (int i = 0; i < Notifier.MAX_PENDING + over; i++) {
                n.waiting(hub, "\"srq-a" + i + "\"", "approval", "s1", false);
            }
            assertEquals(over, n.dropped(), "past the bound, notifications are dropped, not queued");
            for (int i = 0; i < Notifier.MAX_TRACKED + 100; i++) {
                n.waiting(hub, "\"srq-b" + i + "\"", "clarify", "s1", true);
            }
            assertTrue(n.tracked() <= Notifier.MAX_TRACKED, "tracked: " + n.tracked());
        } finally {
            release.countDown();
            hook.stop(0);
            serverPool.shutdownNow();
            timers.shutdownNow();
            client.shutdownNow();
            agents.close();
        }
    }
}
