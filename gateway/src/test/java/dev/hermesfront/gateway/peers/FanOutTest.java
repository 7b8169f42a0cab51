package dev.hermesfront.gateway.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.ConfigEdit;
import dev.hermesfront.gateway.FakeUpstream;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.PoolSettings;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.UpstreamConfig;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fan-out against real in-process peers (each a hermes-front before a {@link PacedApi}) whose upstreams write
 * when the test says so. Every timing assertion compares the client's arrival time with the moment the fake
 * upstream flushed the same data, against the upstream's own pacing interval, never against a timeout.
 */
class FanOutTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String COORD_TOKEN = "fanout-coordinator-token-0123";
    private static final String READ_TOKEN = "fanout-read-token-0123";
    private static final String PEER_TOKEN = "fanout-peer-token-0123";
    private static final String API_KEY = "sk-fanout-inner-key-0123";
    /** The upstreams' pacing: one chunk per interval. A relay that streams delivers each within it. */
    private static final Duration INTERVAL = Duration.ofMillis(500);
    private static final int CHUNKS = 10;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fanout-test-pacer");
        t.setDaemon(true);
        return t;
    });
    private GatewayServer coordinator;

    /** One line of the client's SSE stream and when the client read it. */
    record Arrival(long at, JsonNode event, String raw) {
        String peer() {
            return event == null ? null : event.path("peer").asText();
        }

        String content() {
            return event == null ? "" : event.path("data").path("choices").path(0).path("delta").path("content").asText();
        }
    }

    @AfterEach
    void stop() {
        pacer.shutdownNow();
        if (coordinator != null) {
            coordinator.close();
        }
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // keep closing the others
            }
        }
    }

    private PacedApi api(String name, int chunks) throws Exception {
        PacedApi api = new PacedApi(name, chunks);
        open.add(api);
        return api;
    }

    /** Starts a real hermes-front (demo agent) before {@code api}; returns its base URL. */
    private String peer(PacedApi api) throws Exception {
        GatewayConfig cfg = ConfigEdit.edit(GatewayConfig.of(new InetSocketAddress("127.0.0.1", 0), dev.hermesfront.gateway.config.Credentials.of(
                List.of(new dev.hermesfront.gateway.config.Credential.Token("token", Secret.of(PEER_TOKEN), "admin")), java.util.Set.of("token"))))
                .upstreams(UpstreamConfig.of(api.uri(), Secret.of(API_KEY)), null).get();
        GatewayServer front = GatewayServer.builder(cfg, new DemoLauncher(MAPPER, new FrameCodec())).build().start();
        open.add(front);
        return "http://127.0.0.1:" + front.port();
    }

    private static String downUrl() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private void coordinator(Map<String, String> peers) throws Exception {
        coordinator(peers, PoolSettings.defaults());
    }

    private void coordinator(Map<String, String> peers, PoolSettings pools) throws Exception {
        StringBuilder yaml = new StringBuilder("peers:\n");
        peers.forEach((name, url) -> yaml.append("  - {name: ").append(name).append(", url: \"").append(url)
                .append("\", token: ").append(PEER_TOKEN).append("}\n"));
        GatewayConfig cfg = Coordinators.config(new InetSocketAddress("127.0.0.1", 0), yaml.toString(), COORD_TOKEN, READ_TOKEN, Map.of());
        coordinator = GatewayServer.builder(ConfigEdit.edit(cfg).pools(pools).get(), new DemoLauncher(MAPPER, new FrameCodec())).build().start();
    }

    private HttpRequest fanOut(String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.port() + "/v1/fanout/chat/completions"))
                .header("Authorization", "Bearer " + COORD_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** Sends a streaming fan-out; every {@code data:} line lands in {@code into} with the time it was read. */
    private CompletableFuture<HttpResponse<Void>> stream(String peersJson, LinkedBlockingQueue<Arrival> into) {
        return http.sendAsync(fanOut("{\"model\": \"hermes\", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], "
                + "\"peers\": " + peersJson + "}"), HttpResponse.BodyHandlers.fromLineSubscriber(new Flow.Subscriber<String>() {
                    @Override
                    public void onSubscribe(Flow.Subscription s) {
                        s.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(String line) {
                        long at = System.nanoTime();
                        if (line.startsWith("data:")) {
                            String raw = line.substring(5).strip();
                            JsonNode event = null;
                            try {
                                event = raw.equals("[DONE]") ? null : MAPPER.readTree(raw);
                            } catch (java.io.IOException e) {
                                // kept raw: the assertions name it
                            }
                            into.add(new Arrival(at, event, raw));
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        into.add(new Arrival(System.nanoTime(), null, "client error: " + t));
                    }

                    @Override
                    public void onComplete() {
                        into.add(new Arrival(System.nanoTime(), null, "<end of body>"));
                    }
                }));
    }

    /** Releases one chunk of each API every interval, {@code times} times, starting now. */
    private void pace(int times, PacedApi... apis) {
        for (int i = 0; i < times; i++) {
            pacer.schedule(() -> {
                for (PacedApi a : apis) {
                    a.release();
                }
            }, i * INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Reads arrivals into {@code seen} until one matches {@code until}; bounded by {@code limit}. */
    private static void collect(LinkedBlockingQueue<Arrival> q, List<Arrival> seen, Predicate<List<Arrival>> until, Duration limit)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!until.test(seen)) {
            long left = deadline - System.nanoTime();
            Arrival a = left > 0 ? q.poll(left, TimeUnit.NANOSECONDS) : null;
            if (a == null) {
                return;
            }
            seen.add(a);
        }
    }

    private static Arrival find(List<Arrival> seen, String peer, Predicate<Arrival> what) {
        return seen.stream().filter(a -> peer.equals(a.peer()) && what.test(a)).findFirst().orElse(null);
    }

    private static boolean done(List<Arrival> seen, String peer) {
        return find(seen, peer, a -> a.event().path("done").asBoolean()) != null;
    }

    private static boolean ended(List<Arrival> seen) {
        return seen.stream().anyMatch(a -> a.raw().equals("[DONE]") || a.raw().startsWith("client error") || a.raw().equals("<end of body>"));
    }

    /** Asserts that peer's chunk {@code i} reached the client within one upstream interval of the upstream writing it. */
    private static void assertPrompt(List<Arrival> seen, String peer, PacedApi api, int i) {
        Arrival got = find(seen, peer, a -> a.content().equals(peer + "-" + i));
        long wrote = api.writtenAt(i);
        assertTrue(wrote > 0, "peer " + peer + "'s upstream never wrote chunk " + i + "; the client saw " + raw(seen));
        assertNotNull(got, "peer " + peer + "'s chunk " + i + " never reached the client, though its upstream wrote it; the client saw "
                + raw(seen));
        long lagMs = TimeUnit.NANOSECONDS.toMillis(got.at() - wrote);
        assertTrue(lagMs < INTERVAL.toMillis(), "peer " + peer + "'s chunk " + i + " reached the client " + lagMs
                + " ms after its upstream wrote it, more than the upstream's interval of " + INTERVAL.toMillis() + " ms");
    }

    private static List<String> raw(List<Arrival> seen) {
        return seen.stream().map(Arrival::raw).toList();
    }

    /** With one client thread as well: the relays never hold a thread of the peers' HTTP client. 0: the default. */
    @ParameterizedTest(name = "client threads: {0}")
    @ValueSource(ints = {0, 1})
    void streamsTwoHealthyPeersAsTheirUpstreamsWrite(int clientThreads) throws Exception {
        PacedApi a = api("a", CHUNKS);
        PacedApi b = api("b", CHUNKS);
        PoolSettings d = PoolSettings.defaults();
        coordinator(Map.of("a", peer(a), "b", peer(b)), new PoolSettings(d.ioThreads(), d.workerThreads(), d.timerThreads(),
                clientThreads == 0 ? d.clientThreads() : clientThreads));
        LinkedBlockingQueue<Arrival> q = new LinkedBlockingQueue<>();
        CompletableFuture<HttpResponse<Void>> response = stream("[\"a\", \"b\"]", q);
        pace(CHUNKS, a, b);
        List<Arrival> seen = new ArrayList<>();
        collect(q, seen, FanOutTest::ended, INTERVAL.multipliedBy(CHUNKS).plusSeconds(10));

        assertPrompt(seen, "a", a, 0);
        assertPrompt(seen, "b", b, 0);
        for (String p : List.of("a", "b")) {
            List<String> chunks = seen.stream().filter(x -> p.equals(x.peer()) && !x.content().isEmpty()).map(Arrival::content).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < CHUNKS; i++) {
                expected.add(p + "-" + i);
            }
            assertEquals(expected, chunks, "peer " + p + "'s chunks, in order");
            assertTrue(done(seen, p), "no done event for " + p + ": " + raw(seen));
        }
        assertEquals("[DONE]", seen.get(seen.size() - 1).raw(), raw(seen).toString());
        assertEquals(200, response.get(5, TimeUnit.SECONDS).statusCode());
    }

    /** A JSON fan-out to c and d while a streamed one to a and b is under way: neither holds the other back. */
    @Test
    void answersAJsonFanOutWithinOneIntervalOfTheLastPeersAnswerWhileAnotherStreams() throws Exception {
        PacedApi a = api("a", CHUNKS);
        PacedApi b = api("b", CHUNKS);
        PacedApi c = api("c", 1);
        PacedApi d = api("d", 1);
        coordinator(Map.of("a", peer(a), "b", peer(b), "c", peer(c), "d", peer(d)));
        LinkedBlockingQueue<Arrival> q = new LinkedBlockingQueue<>();
        CompletableFuture<HttpResponse<Void>> streamed = stream("[\"a\", \"b\"]", q);
        pace(CHUNKS, a, b);

        CompletableFuture<Long> arrived = new CompletableFuture<>();
        CompletableFuture<HttpResponse<String>> response = http.sendAsync(fanOut("{\"model\": \"hermes\", \"messages\": "
                + "[{\"role\": \"user\", \"content\": \"hi\"}], \"peers\": [\"c\", \"d\"]}"), HttpResponse.BodyHandlers.ofString())
                .whenComplete((r, e) -> arrived.complete(System.nanoTime()));
        c.release();
        pacer.schedule(d::release, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);

        HttpResponse<String> r;
        try {
            r = response.get(INTERVAL.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no JSON fan-out answer; c's upstream answered: " + (c.writtenCount() > 0) + ", d's: "
                    + (d.writtenCount() > 0), e);
        }
        assertEquals(200, r.statusCode(), r.body());
        JsonNode results = MAPPER.readTree(r.body()).path("results");
        assertEquals("from c", results.path("c").path("choices").path(0).path("message").path("content").asText(), r.body());
        assertEquals("from d", results.path("d").path("choices").path(0).path("message").path("content").asText(), r.body());
        long last = Math.max(c.writtenAt(0), d.writtenAt(0));
        long lagMs = TimeUnit.NANOSECONDS.toMillis(arrived.get(5, TimeUnit.SECONDS) - last);
        assertTrue(lagMs < INTERVAL.toMillis(), "the answer came " + lagMs + " ms after the last peer's upstream answered");

        List<Arrival> seen = new ArrayList<>();
        collect(q, seen, FanOutTest::ended, INTERVAL.multipliedBy(CHUNKS).plusSeconds(10));
        assertTrue(done(seen, "a") && done(seen, "b"), raw(seen).toString());
        assertEquals(200, streamed.get(5, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void aSlowAndADownPeerHoldBackNoHealthyOne() throws Exception {
        int chunks = 4;
        PacedApi a = api("a", chunks);
        PacedApi b = api("b", chunks);
        PacedApi slow = api("slow", chunks);
        coordinator(Map.of("a", peer(a), "b", peer(b), "slow", peer(slow), "down", downUrl()));
        LinkedBlockingQueue<Arrival> q = new LinkedBlockingQueue<>();
        CompletableFuture<HttpResponse<Void>> response = stream("[\"a\", \"slow\", \"down\", \"b\"]", q);
        pace(chunks, a, b);
        List<Arrival> seen = new ArrayList<>();
        collect(q, seen, s -> (done(s, "a") && done(s, "b")) || ended(s), INTERVAL.multipliedBy(chunks).plusSeconds(10));

        // The slow peer's upstream has not written a byte yet, and both healthy peers are already complete.
        assertEquals(0, slow.writtenCount());
        assertTrue(done(seen, "a") && done(seen, "b"), "the healthy peers did not finish before the slow one: " + raw(seen));
        for (int i = 0; i < chunks; i++) {
            assertPrompt(seen, "a", a, i);
            assertPrompt(seen, "b", b, i);
        }
        Arrival down = find(seen, "down", x -> x.event().path("error").isObject());
        assertNotNull(down, raw(seen).toString());
        assertEquals("peer_unavailable", down.event().path("error").path("code").asText());

        for (int i = 0; i < chunks; i++) {
            slow.release();
        }
        collect(q, seen, FanOutTest::ended, Duration.ofSeconds(10));
        assertTrue(done(seen, "slow"), raw(seen).toString());
        assertEquals("[DONE]", seen.get(seen.size() - 1).raw(), raw(seen).toString());
        assertEquals(200, response.get(5, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void aClientThatLeavesCancelsItsPeerCall() throws Exception {
        PacedApi a = api("a", 10_000);
        coordinator(Map.of("a", peer(a)));
        CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        http.sendAsync(fanOut("{\"stream\": true, \"messages\": [], \"peers\": [\"a\"]}"),
                HttpResponse.BodyHandlers.fromLineSubscriber(new Flow.Subscriber<String>() {
                    @Override
                    public void onSubscribe(Flow.Subscription s) {
                        subscription.complete(s);
                        s.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(String line) {
                        lines.add(line);
                    }

                    @Override
                    public void onError(Throwable t) {
                        lines.add("client error");
                    }

                    @Override
                    public void onComplete() {
                        lines.add("<end of body>");
                    }
                }));
        a.release();
        String line;
        do {
            line = lines.poll(10, TimeUnit.SECONDS);
            assertNotNull(line, "the first chunk never came");
        } while (!line.contains("a-0"));
        subscription.get(5, TimeUnit.SECONDS).cancel();
        // The upstream keeps writing; once the coordinator has dropped the peer call, the peer drops its own.
        pacer.scheduleAtFixedRate(a::release, 0, 50, TimeUnit.MILLISECONDS);
        assertTrue(a.awaitBroken(15), "the upstream still streams to a client that left; it wrote " + a.writtenCount() + " chunks");
    }

    /** A peer URL may be any server: here fake API servers that answer with odd but valid, or hostile, streams. */
    @Test
    void readsCrLfAndCrLinesAndALastLineWithoutANewline() throws Exception {
        FakeUpstream odd = new FakeUpstream();
        open.add(odd);
        odd.handle("/v1/chat/completions", ex -> {
            OutputStream out = FakeUpstream.sse(ex);
            FakeUpstream.event(out, ": comment\r\ndata: {\"n\": 1}\r\n\r\ndata: {\"n\": 2}\r\rdata: \u00e9t\u00e9\n\n");
            FakeUpstream.event(out, "data: [DONE]");
            out.close();
        });
        coordinator(Map.of("odd", odd.uri().toString()));
        LinkedBlockingQueue<Arrival> q = new LinkedBlockingQueue<>();
        stream("[\"odd\"]", q);
        List<Arrival> seen = new ArrayList<>();
        collect(q, seen, FanOutTest::ended, Duration.ofSeconds(10));
        List<String> data = seen.stream().filter(a -> a.event() != null && a.event().has("data"))
                .map(a -> a.event().path("data").toString()).toList();
        assertEquals(List.of("{\"n\":1}", "{\"n\":2}", "\"\u00e9t\u00e9\""), data, raw(seen).toString());
        assertTrue(done(seen, "odd"), raw(seen).toString());
        assertEquals("[DONE]", seen.get(seen.size() - 1).raw());
    }

    @Test
    void endsAPeerThatSendsAnOverlongLineAndNoOtherPeer() throws Exception {
        FakeUpstream hostile = new FakeUpstream();
        open.add(hostile);
        CountDownLatch sent = new CountDownLatch(1);
        hostile.handle("/v1/chat/completions", ex -> {
            OutputStream out = FakeUpstream.sse(ex);
            byte[] block = new byte[64 * 1024];
            java.util.Arrays.fill(block, (byte) 'x');
            try {
                out.write("data: ".getBytes(StandardCharsets.UTF_8));
                for (int i = 0; i < (FanOutHandler.MAX_LINE_BYTES / block.length) + 2; i++) {
                    out.write(block);
                }
                out.flush();
                sent.countDown();
                out.close();
            } catch (java.io.IOException e) {
                sent.countDown(); // the coordinator hung up on us: that is the point
            }
        });
        PacedApi a = api("a", 2);
        coordinator(Map.of("hostile", hostile.uri().toString(), "a", peer(a)));
        LinkedBlockingQueue<Arrival> q = new LinkedBlockingQueue<>();
        stream("[\"hostile\", \"a\"]", q);
        pace(2, a);
        List<Arrival> seen = new ArrayList<>();
        collect(q, seen, FanOutTest::ended, Duration.ofSeconds(20));
        Arrival cut = find(seen, "hostile", x -> x.event().path("error").isObject());
        assertNotNull(cut, raw(seen).toString());
        assertEquals("peer_error", cut.event().path("error").path("code").asText(), cut.raw());
        assertTrue(done(seen, "a"), raw(seen).toString());
        assertEquals("[DONE]", seen.get(seen.size() - 1).raw());
        assertTrue(sent.await(10, TimeUnit.SECONDS));
    }
}
