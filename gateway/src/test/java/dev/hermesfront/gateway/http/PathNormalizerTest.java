package dev.hermesfront.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathNormalizerTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/|/|/",
            "/api/ws|/api/ws|/api/ws",
            "/api//ws|/api/ws|/api/ws",
            "//api///ws|/api/ws|/api/ws",
            "/api/./ws|/api/ws|/api/ws",
            "/x/../api/ws|/api/ws|/api/ws",
            "/api/ws/.|/api/ws/|/api/ws/",
            "/api/ws/..|/api/|/api/",
            "/api/%70ty|/api/pty|/api/pty",
            "/a%7Eb%2d|/a~b-|/a~b-",
            "/v1/chat/completions/../../../api/jobs|/api/jobs|/api/jobs",
            "/v1/chat/completions/../../api/jobs|/v1/api/jobs|/v1/api/jobs",
            "/files/a%20b|/files/a%20B|/files/a b",
            "/files/%c3%a9|/files/%C3%A9|/files/é",
            "/files/100%25|/files/100%25|/files/100%",
            "/api/ws/|/api/ws/|/api/ws/"})
    void normalizesEverySpellingToOne(String raw, String encoded, String decoded) throws Exception {
        PathNormalizer.Normalized n = PathNormalizer.normalize(raw);
        assertEquals(encoded.replace("%20B", "%20b"), n.encoded());
        assertEquals(decoded, n.decoded());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api%2Fws", "/api%2fws", "/api%5Cws", "/api%5cws", "/api/%2E%2E/x", "/api/%2e/ws", "/a%00b", "/api\\ws",
            "/api;x/ws", "/api/ws;jsessionid=1", "/..", "/../api/ws", "/a/../../b", "/a%", "/a%4", "/a%zz", "/a%C3", "api/ws", "",
            "/a b", "/a\tb", "/é"})
    void refusesWhatAnotherLayerWouldReadDifferently(String raw) {
        assertThrows(PathNormalizer.Refused.class, () -> PathNormalizer.normalize(raw));
    }
}
