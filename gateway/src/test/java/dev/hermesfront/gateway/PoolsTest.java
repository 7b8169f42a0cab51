package dev.hermesfront.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.config.PoolSettings;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each pool runs the concurrency its settings promise: N tasks that each wait until all N have started can
 * only finish when N threads run at once (a pool that queues past its core size, like
 * {@code ThreadPoolExecutor(2, 64, queue)}, never gets there).
 */
class PoolsTest {
    private Pools pools;

    @AfterEach
    void close() {
        if (pools != null) {
            pools.close();
        }
    }

    /** Runs {@code n} tasks on {@code pool} that each wait for all {@code n} to start; returns the thread names seen. */
    private static Set<String> runTogether(Executor pool, int n) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(n);
        CountDownLatch finished = new CountDownLatch(n);
        AtomicInteger together = new AtomicInteger();
        Set<String> names = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < n; i++) {
            pool.execute(() -> {
                names.add(Thread.currentThread().getName());
                started.countDown();
                try {
                    if (started.await(10, TimeUnit.SECONDS)) {
                        together.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                finished.countDown();
            });
        }
        assertTrue(finished.await(20, TimeUnit.SECONDS), "the tasks did not finish");
        assertEquals(n, together.get(), "only " + together.get() + " of " + n + " tasks saw all " + n + " running at once");
        return names;
    }

    @Test
    void theWorkerRunsAsManyTasksAtOnceAsItHasWorkerThreads() throws Exception {
        pools = Pools.start(PoolSettings.defaults());
        Set<String> names = runTogether(pools.worker(), PoolSettings.DEFAULT_WORKER_THREADS);
        assertEquals(PoolSettings.DEFAULT_WORKER_THREADS, names.size());
        assertTrue(names.stream().allMatch(n -> n.startsWith("hermes-front task-")), names.toString());
    }

    @Test
    void theTimersAndTheClientExecutorRunTheirSizeAtOnceOnNamedThreads() throws Exception {
        pools = Pools.start(new PoolSettings(2, 4, 3, 5));
        Set<String> timers = runTogether(pools.timers(), 3);
        assertTrue(timers.stream().allMatch(n -> n.startsWith("hermes-front-timer-")), timers.toString());
        Set<String> client = runTogether(pools.client(), 5);
        assertTrue(client.stream().allMatch(n -> n.startsWith("hermes-front-client-")), client.toString());
        assertEquals(5, client.size());
    }

    @Test
    void sizesComeFromTheSettings() throws Exception {
        pools = Pools.start(new PoolSettings(3, 40, 2, 6));
        assertEquals(3, pools.worker().getIoThreadCount());
        assertEquals(40, pools.worker().getMXBean().getMaxWorkerPoolSize());
        assertEquals(Pools.WORKER_CORE_THREADS, pools.worker().getMXBean().getCoreWorkerPoolSize());
        assertEquals(2, ((ScheduledThreadPoolExecutor) pools.timers()).getCorePoolSize());
        ThreadPoolExecutor client = (ThreadPoolExecutor) pools.client();
        assertEquals(6, client.getCorePoolSize());
        assertEquals(6, client.getMaximumPoolSize());
        assertThrows(RuntimeException.class, () -> new PoolSettings(0, 1, 1, 1));
        assertThrows(RuntimeException.class, () -> new PoolSettings(1, 1, 1, 0));
    }

    @Test
    void theClientQueueIsBounded() throws Exception {
        pools = Pools.start(new PoolSettings(2, 4, 1, 1));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        pools.client().execute(() -> {
            busy.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        try {
            for (int i = 0; i < Pools.CLIENT_QUEUE; i++) {
                pools.client().execute(() -> { });
            }
            assertThrows(RejectedExecutionException.class, () -> pools.client().execute(() -> { }));
        } finally {
            release.countDown();
        }
    }

    @Test
    void aCancelledTimerTaskLeavesTheQueueAtOnce() throws Exception {
        pools = Pools.start(PoolSettings.defaults());
        ScheduledThreadPoolExecutor timers = (ScheduledThreadPoolExecutor) pools.timers();
        List<ScheduledFuture<?>> later = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            later.add(timers.schedule(() -> { }, 5, TimeUnit.MINUTES));
        }
        assertEquals(1000, timers.getQueue().size());
        later.forEach(f -> f.cancel(false));
        assertEquals(0, timers.getQueue().size());
    }

    @Test
    void closeStopsEveryPool() throws Exception {
        pools = Pools.start(PoolSettings.defaults());
        runTogether(pools.client(), 1);
        pools.close();
        assertTrue(pools.worker().isShutdown());
        assertTrue(pools.timers().isShutdown());
        assertTrue(pools.client().awaitTermination(5, TimeUnit.SECONDS));
        assertThrows(RejectedExecutionException.class, () -> pools.client().execute(() -> { }));
        pools = null;
    }
}
