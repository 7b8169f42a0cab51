package dev.hermesfront.gateway.ws;

import dev.hermesfront.gateway.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link PingTest} on the Jakarta engine ({@code tui.ws_engine = jakarta}), the default being raw. */
class PingJakartaTest extends PingTest {
    @BeforeAll
    static void jakarta() {
        TestGateway.engine("jakarta");
    }

    @AfterAll
    static void back() {
        TestGateway.engine(null);
    }
}
