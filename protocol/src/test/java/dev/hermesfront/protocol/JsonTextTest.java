package dev.hermesfront.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTextTest {

    private static void strictUtf8(String s) throws CharacterCodingException {
        StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(s));
    }

    @Test
    void escapesLoneSurrogatesSoTheLiteralEncodesAsUtf8AndReadsBackUnchanged() throws Exception {
        for (String s : new String[] {"\ud800", "a\udfffb", "\ud800\ud800", "\ude00\ud83d", "x\ud83d"}) {
            String quoted = JsonText.quote(s);
            strictUtf8(quoted);
            assertEquals(s, new ObjectMapper().readValue(quoted, String.class));
        }
        assertEquals("\"\\ud800\"", JsonText.quote("\ud800"));
    }

    @Test
    void keepsPairedSurrogatesAndOtherTextRaw() {
        assertEquals("\"\ud83d\ude00 \u00e9 \\n \\u0001\"", JsonText.quote("\ud83d\ude00 \u00e9 \n \u0001"));
    }

    @Test
    void findsLoneSurrogatesOnly() {
        assertTrue(JsonText.hasLoneSurrogate("\ud800"));
        assertTrue(JsonText.hasLoneSurrogate("ok\udc00"));
        assertTrue(JsonText.hasLoneSurrogate("\ud83d\ude00\ud83d"));
        assertFalse(JsonText.hasLoneSurrogate("\ud83d\ude00"));
        assertFalse(JsonText.hasLoneSurrogate(""));
    }
}
