package dev.hermesfront.protocol.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one configuration of Jackson for reading recorded frames, beside the codec whose limits it must cover: the
 * recorder reads every frame the codec let through to render it, and {@code Transcript} reads the lines the recorder
 * wrote. Numbers of up to {@value #MAX_NUMBER_CHARS} characters (floats become {@code BigDecimal}s, trailing zeros
 * kept, so that {@code PythonJson} writes them back digit for digit; their cost grows with their length), nesting of
 * up to {@value #MAX_DEPTH} (a frame at the codec's {@value FrameCodec#MAX_DEPTH} inside a line object), strings as
 * long as a frame, and {@code NaN}/{@code Infinity} as Python writes them.
 */
public final class TranscriptJson {
    /** Longest number read. */
    public static final int MAX_NUMBER_CHARS = 10_000;
    /** Deepest nesting read. */
    public static final int MAX_DEPTH = 2_000;

    private TranscriptJson() {}

    /** Returns a newly configured reader; thread-safe once built. Make one per owner, or share it. */
    public static ObjectMapper newReader() {
        return JsonMapper.builder(JsonFactory.builder()
                        .streamReadConstraints(StreamReadConstraints.builder()
                                .maxNumberLength(MAX_NUMBER_CHARS)
                                .maxNestingDepth(Math.max(MAX_DEPTH, FrameCodec.MAX_DEPTH))
                                .maxStringLength(Integer.MAX_VALUE)
                                .build())
                        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                        .build())
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
    }
}
