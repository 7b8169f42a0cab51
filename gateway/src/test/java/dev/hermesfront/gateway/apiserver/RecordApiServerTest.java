package dev.hermesfront.gateway.apiserver;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recorder behind {@code src/test/resources/api-server/recorded.jsonl}: runs {@link ApiScenarios}
 * against the real API server of the kit and writes its answers, key scrubbed. Runs only when asked:
 * <pre>
 * HERMES_GIT_DIR=… mvn -o -pl gateway -am test -Dtest=RecordApiServerTest -Dhermes.record=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class RecordApiServerTest {
    @TempDir
    Path dir;

    @Test
    void recordsTheRealApiServersAnswers() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("hermes.record"), "recorder: run with -Dhermes.record=true to re-record");
        KitApiServer.unavailable().ifPresent(why -> Assumptions.abort("recorder: " + why));
        Path out = Path.of(System.getProperty("user.dir")).resolve("src/test/resources/api-server/recorded.jsonl");
        try (KitApiServer server = new KitApiServer(dir, true)) {
            List<ApiScenarios.Exchange> pass = new ApiScenarios(server.uri, "Bearer " + KitApiServer.KEY, "recorded").run();
            Files.createDirectories(out.getParent());
            try (Writer w = Files.newBufferedWriter(out)) {
                Recording.write(pass, KitApiServer.KEY, w);
            }
        }
        String text = Files.readString(out);
        assertTrue(!text.contains(KitApiServer.KEY), "the key is scrubbed");
        System.out.println("recorded " + text.lines().count() + " exchanges to " + out);
    }
}
