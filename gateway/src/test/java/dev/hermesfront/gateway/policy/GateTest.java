package dev.hermesfront.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.config.SecuritySettings;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The one decision point on its own, its collaborators mocked: what it counts as a guess, what it tells the
 * metrics, and that a denial spends nothing.
 */
class GateTest {
    private static final String CHAT = "gate-chat-token-0123456789";
    private static final Gate.Facts FACTS = new Gate.Facts("ws", "198.51.100.7", "prompt.submit", null, null);

    private final GateEvents events = mock(GateEvents.class);
    private final Gate.ShareResolver shares = mock(Gate.ShareResolver.class);
    private final Guardrails guard = Guardrails.from(SecuritySettings.defaults());
    private final Gate gate = new Gate(() -> new Gate.Rules(Credentials.of(List.of(new Credential.Token("laptop", Secret.of(CHAT), "chat"))),
            guard), TicketBook.defaults(), shares, events);

    @Test
    void everyWrongCredentialOfARequestIsAGuessAndSeveralAreRefusedEvenWithARightOne() {
        Gate.Authentication a = gate.authenticate(List.of(new Carrier.Token(CHAT, "bearer"), new Carrier.Token("wrong-0123456789abcdef", "session"),
                new Carrier.Basic("laptop", "guess-0123456789")), FACTS.address(), FACTS);
        Gate.Authentication.Refused r = assertInstanceOf(Gate.Authentication.Refused.class, a);
        assertEquals(400, r.status());
        verify(events, times(2)).authFailed(anyString());
    }

    @Test
    void aDeadShareLinkIsRefusedButNeverLocksTheAddressOut() {
        when(shares.resolve(anyString())).thenReturn(Optional.empty());
        when(shares.wasMinted("hfs_dead")).thenReturn(true);
        for (int i = 0; i < 30; i++) {
            assertInstanceOf(Gate.Authentication.Refused.class, gate.authenticate(List.of(new Carrier.Share("hfs_dead")), FACTS.address(), FACTS));
        }
        assertEquals(0, gate.lockedForSeconds(FACTS.address()), "a dead link of ours is not a guess");
        verify(events, never()).lockout();
        // A made-up share token is a guess like any other.
        for (int i = 0; i < 30; i++) {
            gate.authenticate(List.of(new Carrier.Share("hfs_madeup")), FACTS.address(), FACTS);
        }
        assertEquals(true, gate.lockedForSeconds(FACTS.address()) > 0);
        verify(events, times(1)).lockout();
    }

    @Test
    void aDenialIsToldOnceAndSpendsNoRate() {
        Identity chat = Identity.of("laptop", Scope.CHAT, "bearer");
        Decision d = gate.authorize(chat, Scope.ADMIN, Gate.Limit.WS, new Gate.Facts("ws", "198.51.100.7", "shell.exec", null, null));
        Decision.Denied denied = assertInstanceOf(Decision.Denied.class, d);
        assertEquals(Scope.ADMIN, denied.need());
        verify(events).denied("ws", "shell.exec");
        verify(events, never()).rateLimited(anyString());
    }
}
