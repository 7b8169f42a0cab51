package dev.hermesfront.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A test agent run as a real child process: writes a ready line holding its pid, then echoes every
 * stdin line to stdout byte for byte. Lines that start with {@code {"cmd": } are commands:
 * {@code crash} (write a last line, exit with {@code code}), {@code raw} (write {@code text} as a line, for
 * non-JSON output), {@code flood} (write {@code n} numbered lines at once, each padded by {@code pad} characters if given), {@code hang} (keep running after
 * stdin closes, so only a signal stops it), {@code stream} (write {@code n} lines {@code {"s": i}}, one every
 * {@code delay_ms}, from another thread).
 */
public final class EchoAgent {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private EchoAgent() {}

    public static void main(String[] args) throws IOException {
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        write(out, "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", \"payload\": {\"pid\": "
                + ProcessHandle.current().pid() + "}}}");
        System.err.println("echo agent started");
        boolean hang = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("{\"cmd\": ")) {
                    write(out, line);
                    continue;
                }
                JsonNode cmd = MAPPER.readTree(line);
                String name = cmd.path("cmd").asText();
                if (name.equals("crash")) {
                    write(out, "{\"last\": \"words\"}");
                    System.exit(cmd.path("code").asInt());
                } else if (name.equals("raw")) {
                    write(out, cmd.path("text").asText());
                } else if (name.equals("flood")) {
                    int n = cmd.path("n").asInt();
                    String pad = cmd.has("pad") ? ", \"pad\": \"" + "x".repeat(cmd.path("pad").asInt()) + "\"" : "";
                    StringBuilder b = new StringBuilder();
                    for (int i = 0; i < n; i++) {
                        b.append("{\"n\": ").append(i).append(pad).append("}\n");
                        if (b.length() > 1 << 20) {
                            out.write(b.toString().getBytes(StandardCharsets.UTF_8));
                            b.setLength(0);
                        }
                    }
                    out.write(b.toString().getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } else if (name.equals("stream")) {
                    int n = cmd.path("n").asInt();
                    long delay = cmd.path("delay_ms").asLong();
                    Thread t = new Thread(() -> {
                        try {
                            for (int i = 0; i < n; i++) {
                                write(out, "{\"s\": " + i + "}");
                                Thread.sleep(delay);
                            }
                        } catch (IOException | InterruptedException e) {
                            System.exit(0);
                        }
                    }, "stream");
                    t.setDaemon(true);
                    t.start();
                } else if (name.equals("hang")) {
                    hang = true;
                }
            }
        }
        if (hang) {
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static void write(OutputStream out, String line) throws IOException {
        synchronized (out) {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}
