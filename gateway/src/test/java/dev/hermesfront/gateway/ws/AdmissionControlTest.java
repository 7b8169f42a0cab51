package dev.hermesfront.gateway.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdmissionControlTest {
    private final AtomicLong now = new AtomicLong();

    @Test
    void oneCredentialCannotHoldEveryAgentSlot() {
        AdmissionControl a = new AdmissionControl(8, 6, 100, 100, now::get);
        for (int i = 0; i < 6; i++) {
            assertEquals(AdmissionControl.Verdict.OK, a.tryStart("reader", "reader"));
        }
        assertEquals(AdmissionControl.Verdict.CREDENTIAL_CAP, a.tryStart("reader", "reader@peer:studio"), "routes count together");
        assertEquals(AdmissionControl.Verdict.OK, a.tryStart("laptop", "laptop"), "another credential still gets in");
        assertEquals(AdmissionControl.Verdict.OK, a.tryStart("laptop", "laptop"));
        assertEquals(AdmissionControl.Verdict.TOO_MANY_AGENTS, a.tryStart("laptop", "laptop"), "the gateway's cap holds too");
        a.release("reader");
        assertEquals(AdmissionControl.Verdict.OK, a.tryStart("reader", "reader"));
        assertEquals(8, a.agents());
    }

    @Test
    void aRefusalGivesItsSpawnTokenBack() {
        AdmissionControl a = new AdmissionControl(100, 1, 2, 0.001, now::get);
        assertEquals(AdmissionControl.Verdict.OK, a.tryStart("x", "x"));
        assertEquals(AdmissionControl.Verdict.CREDENTIAL_CAP, a.tryStart("x", "x"));
        a.release("x");
        assertEquals(AdmissionControl.Verdict.OK, a.tryStart("x", "x"), "the refused attempt did not spend the burst");
    }
}
