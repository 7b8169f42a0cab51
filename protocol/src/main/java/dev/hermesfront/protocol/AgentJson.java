package dev.hermesfront.protocol;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one configuration of Jackson for JSON that faces the agent (frames the front reads in order to rewrite
 * them, or writes in the agent's serialization): floats as {@code BigDecimal} so that a rewritten frame keeps
 * their digits (Jackson reads integers past {@code long} as {@code BigInteger} already). Create the mapper once, in the composition root, and pass it in.
 */
public final class AgentJson {
    private AgentJson() {}

    /** Returns a newly configured mapper; thread-safe once built. */
    public static ObjectMapper newMapper() {
        return JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
    }
}
