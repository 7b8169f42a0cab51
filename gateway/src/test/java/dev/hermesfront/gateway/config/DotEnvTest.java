package dev.hermesfront.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DotEnvTest {
    @Test
    void readsValuesTheWayHermesDotenvLoaderDoes() {
        Map<String, String> m = DotEnv.parse(String.join("\n",
                "# comment",
                "API_SERVER_KEY=sk-plain-0123456789abcdef",
                "export API_SERVER_PORT = 8650  # inline comment",
                "HERMES_DASHBOARD_SESSION_TOKEN='single # kept'",
                "QUOTED=\"a\\nb \\\"c\\\"\"",
                "HASH=a#b",
                "NOT A LINE",
                "API_SERVER_KEY=sk-last-wins-0123456789",
                "CRLF=x\r",
                "NUL=a\0b",
                "OTHER_TOKEN=t\u00e9st"));
        assertEquals("sk-last-wins-0123456789", m.get("API_SERVER_KEY"));
        assertEquals("8650", m.get("API_SERVER_PORT"));
        assertEquals("single # kept", m.get("HERMES_DASHBOARD_SESSION_TOKEN"));
        assertEquals("a\nb \"c\"", m.get("QUOTED"));
        assertEquals("a#b", m.get("HASH"));
        assertEquals("x", m.get("CRLF"));
        assertEquals("ab", m.get("NUL"));
        assertEquals("tst", m.get("OTHER_TOKEN"), "non-ASCII stripped from *_TOKEN values, as Hermes does");
    }
}
