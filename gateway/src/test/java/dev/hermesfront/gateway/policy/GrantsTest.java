package dev.hermesfront.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Secret;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The grant model: effective scope is min(cap, source's current scope), resolved now, through every kind. */
class GrantsTest {
    private final AtomicReference<Credentials> config = new AtomicReference<>();
    private final Grants grants = new Grants(id -> config.get().byId(id).map(c -> Grant.credential(id, c.scope())));

    private Grant root(String name) {
        Credentials cs = config.get();
        Credential c = cs.all().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        return Grant.credential(cs.idOf(c), c.scope());
    }

    @Test
    void derivedGrantsFollowTheirSourceNarrowRemoveAndReAdd() {
        config.set(Credentials.of(List.of(new Credential.Token("alice", Secret.of("alice-token-0123456789"), Scope.ADMIN))));
        Grant alice = root("alice");
        Grant ticket = alice.derive(Grant.Kind.TICKET, "t1", Scope.ADMIN, Optional.empty());
        Map<String, Grant> devices = new HashMap<>();
        grants.register(Grant.Kind.DEVICE, id -> Optional.ofNullable(devices.get(id)));
        Grant phone = alice.derive(Grant.Kind.DEVICE, "phone", Scope.CHAT, Optional.empty());
        devices.put("phone", phone);
        Grant phoneTicket = phone.derive(Grant.Kind.TICKET, "t2", Scope.CHAT, Optional.empty());
        assertEquals(Optional.of(Scope.ADMIN), grants.effective(ticket));
        assertEquals(Optional.of(Scope.CHAT), grants.effective(phoneTicket), "capped by the device");

        // Narrowed: every derived grant is capped.
        config.set(Credentials.of(List.of(new Credential.Token("alice", Secret.of("alice-token-0123456789"), Scope.READ))));
        assertEquals(Optional.of(Scope.READ), grants.effective(ticket));
        assertEquals(Optional.of(Scope.READ), grants.effective(phoneTicket));

        // Re-added under the same name with another token: another source; nothing derived from the first stands.
        config.set(Credentials.of(List.of(new Credential.Token("alice", Secret.of("another-token-0123456789"), Scope.ADMIN))));
        assertNotEquals(alice.id(), root("alice").id());
        assertTrue(grants.effective(ticket).isEmpty());
        assertTrue(grants.effective(phoneTicket).isEmpty());
        assertTrue(grants.effective(alice).isEmpty());

        // Back with the first token: the same stable id again.
        config.set(Credentials.of(List.of(new Credential.Token("alice", Secret.of("alice-token-0123456789"), Scope.CHAT))));
        assertEquals(alice.id(), root("alice").id());
        assertEquals(Optional.of(Scope.CHAT), grants.effective(phoneTicket));

        // The device unpaired: what it minted goes with it; the credential's own ticket stands.
        devices.remove("phone");
        assertFalse(grants.alive(phoneTicket));
        assertEquals(Optional.of(Scope.CHAT), grants.effective(ticket));
    }

    @Test
    void aCycleOrAnUnresolvedRootStandsForNothing() {
        config.set(Credentials.of(List.of()));
        Map<String, Grant> d = new HashMap<>();
        grants.register(Grant.Kind.DELEGATED, id -> Optional.ofNullable(d.get(id)));
        Grant a = new Grant(Grant.Kind.DELEGATED, "a", new Grant.Ref(Grant.Kind.DELEGATED, "b"), Scope.ADMIN, Optional.empty());
        Grant b = new Grant(Grant.Kind.DELEGATED, "b", new Grant.Ref(Grant.Kind.DELEGATED, "a"), Scope.ADMIN, Optional.empty());
        d.put("a", a);
        d.put("b", b);
        assertTrue(grants.effective(a).isEmpty());
        assertTrue(grants.effective(Identity.of("x", Scope.ADMIN, "bearer").grant()).isEmpty());
        assertEquals(Optional.of(new Grant.Ref(Grant.Kind.DEVICE, "x:y")), Grant.Ref.parse(new Grant.Ref(Grant.Kind.DEVICE, "x:y").key()));
    }
}
