package dev.hermesfront.gateway.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hand-written HTTP/1.1 upstream on 127.0.0.1:0 for shapes a real server would not produce on request:
 * each accepted connection's request head (and whatever body bytes arrived with it) is recorded, then
 * {@code script} writes the answer byte for byte. Test double only.
 */
final class RawUpstream implements AutoCloseable {
    /** Writes the answer on an accepted socket; the request head was already read. */
    interface Script {
        void answer(Socket s, String request) throws IOException, InterruptedException;
    }

    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "raw-upstream");
        t.setDaemon(true);
        return t;
    });
    final LinkedBlockingQueue<String> requests = new LinkedBlockingQueue<>();

    RawUpstream(Script script) throws IOException {
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        pool.execute(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                pool.execute(() -> {
                    try (s) {
                        s.setSoTimeout(5000);
                        String req = readHead(s.getInputStream());
                        requests.add(req);
                        script.answer(s, req);
                    } catch (IOException | InterruptedException e) {
                        // the test asserts on what the client saw
                    }
                });
            }
        });
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Waits up to {@code ms} for the next request head; null when none came. */
    String nextRequest(long ms) throws InterruptedException {
        return requests.poll(ms, TimeUnit.MILLISECONDS);
    }

    static void write(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            if (b.size() >= 4 && b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                break;
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        pool.shutdownNow();
    }
}
