package dev.hermesfront.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PythonJsonTest {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    /** Every literal here is exactly what Python's json.dumps writes for the float it denotes. */
    @ParameterizedTest
    @ValueSource(strings = {"1.0", "0.0", "1.5", "-2.25", "0.0001", "1e-05", "1.5e-07", "1795314196.8996234",
            "123456789012345.0", "1e+16", "1.2345e+20", "-3e-10", "7", "-12"})
    void writesNumbersLikePython(String literal) throws Exception {
        String json = "{\"x\": " + literal + "}";
        assertEquals(json, PythonJson.write(MAPPER.readTree(json)));
    }
}
