package dev.hermesfront.gateway.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.gateway.policy.Grant;
import dev.hermesfront.gateway.policy.Grants;
import dev.hermesfront.gateway.policy.Identity;
import dev.hermesfront.gateway.state.StateDir;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The book of codes and devices on its own, with a clock the test moves. */
class DeviceBookTest {
    @TempDir
    Path dir;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T12:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final AtomicReference<Credentials> creds = new AtomicReference<>(Credentials.of(List.of(
            new Credential.Token("alice", Secret.of("alice-token-0123456789"), "chat"))));
    private final Grants grants = new Grants(id -> creds.get().byId(id).map(c -> Grant.credential(id, c.scope())));

    private DeviceBook open() throws Exception {
        return DeviceBook.open(Optional.of(StateDir.open(dir.resolve("state"))), creds::get, grants, new ObjectMapper(), clock);
    }

    private Identity alice() {
        Credential c = creds.get().all().get(0);
        return Identity.of(c.name(), c.scope(), "bearer", Grant.credential(creds.get().idOf(c), c.scope()));
    }

    @Test
    void anExpiredCodeAndAUsedCodeAreRefused() throws Exception {
        DeviceBook book = open();
        String code = book.mint(alice(), Scope.CHAT, "phone", Duration.ofMinutes(5)).code();
        now.set(now.get().plus(Duration.ofMinutes(5)));
        DeviceBook.PairingException expired = assertThrows(DeviceBook.PairingException.class, () -> book.redeem(code, null, "10.0.0.1"));
        assertEquals(401, expired.status());
        String fresh = book.mint(alice(), Scope.CHAT, "phone", Duration.ofMinutes(5)).code();
        now.set(now.get().plus(Duration.ofSeconds(299)));
        DeviceBook.Paired p = book.redeem(fresh.toLowerCase(), null, "10.0.0.1");
        assertEquals("phone", p.device().name(), "codes are read without regard to case");
        assertEquals(401, assertThrows(DeviceBook.PairingException.class, () -> book.redeem(fresh, "x", "10.0.0.1")).status());
    }

    @Test
    void codesAreBoundedAndTheOldestForgotten() throws Exception {
        DeviceBook book = open();
        String first = book.mint(alice(), Scope.READ, null, Duration.ofMinutes(5)).code();
        for (int i = 0; i < DeviceBook.MAX_CODES; i++) {
            book.mint(alice(), Scope.READ, null, Duration.ofMinutes(5));
        }
        assertEquals(401, assertThrows(DeviceBook.PairingException.class, () -> book.redeem(first, null, "a")).status());
    }

    @Test
    void aDeviceFollowsItsPairerAcrossARestartAndNotIntoAnotherWithTheSameName() throws Exception {
        DeviceBook book = open();
        DeviceBook.Paired p = book.redeem(book.mint(alice(), Scope.CHAT, "phone", Duration.ofMinutes(5)).code(), null, "a");
        Identity device = book.resolve(p.token(), "b").orElseThrow();
        assertEquals(Optional.of(Scope.CHAT), grants.effective(device.grant()));
        assertTrue(book.pairedBy(p.device(), alice()));

        DeviceBook again = open(); // a restart: the book read back from devices.json
        Identity back = again.resolve(p.token(), "c").orElseThrow();
        assertEquals(Optional.of(Scope.CHAT), grants.effective(back.grant()));

        creds.set(Credentials.of(List.of(new Credential.Token("alice", Secret.of("alice-token-0123456789"), "read"))));
        assertEquals(Optional.of(Scope.READ), grants.effective(back.grant()), "narrowing the pairer narrows its device");
        creds.set(Credentials.of(List.of(new Credential.Token("alice", Secret.of("another-token-0123456789"), "admin"))));
        assertEquals(Optional.empty(), grants.effective(back.grant()), "alice re-added with another token is another pairer");

        assertTrue(again.revoke("phone").isPresent());
        assertTrue(again.resolve(p.token(), "d").isEmpty());
        assertTrue(again.wasPaired(p.token()), "a revoked token is known, not a guess");
        assertFalse(again.wasPaired("hfd_guess"));
    }

    @Test
    void theBookIsBoundedAndNamesStayUnique() throws Exception {
        creds.set(Credentials.of(List.of(new Credential.Token("alice", Secret.of("alice-token-0123456789"), "admin"))));
        DeviceBook book = open();
        for (int i = 0; i < DeviceBook.MAX_DEVICES; i++) {
            book.redeem(book.mint(alice(), Scope.READ, "tab", Duration.ofMinutes(5)).code(), null, "a");
        }
        assertEquals(DeviceBook.MAX_DEVICES, book.all().stream().map(DeviceBook.Device::name).distinct().count(), "tab, tab-2, tab-3 …");
        String one = book.mint(alice(), Scope.READ, null, Duration.ofMinutes(5)).code();
        assertEquals(507, assertThrows(DeviceBook.PairingException.class, () -> book.redeem(one, null, "a")).status());
    }

    @Test
    void onePairerCannotFillTheBookOrPushOthersCodesOut() throws Exception {
        // Found attacking the merged front: a read credential paired 251 devices in seconds and filled the book (the
        // operator's own pairing then answered 507), and its 64 codes pushed everyone else's outstanding codes out.
        creds.set(Credentials.of(List.of(new Credential.Token("alice", Secret.of("alice-token-0123456789"), "chat"),
                new Credential.Token("rita", Secret.of("rita-token-0123456789a"), "read"))));
        DeviceBook book = open();
        Credential r = creds.get().all().get(1);
        Identity rita = Identity.of(r.name(), r.scope(), "bearer", Grant.credential(creds.get().idOf(r), r.scope()));
        String alicesCode = book.mint(alice(), Scope.CHAT, "phone", Duration.ofMinutes(5)).code();
        String ritasFirst = book.mint(rita, Scope.READ, null, Duration.ofMinutes(5)).code();
        for (int i = 0; i < DeviceBook.MAX_CODES; i++) {
            book.mint(rita, Scope.READ, null, Duration.ofMinutes(5));
        }
        assertEquals(401, assertThrows(DeviceBook.PairingException.class, () -> book.redeem(ritasFirst, null, "a")).status(),
                "rita's own oldest code is forgotten");
        assertEquals("phone", book.redeem(alicesCode, null, "a").device().name(), "alice's code survives rita's");
        for (int i = 0; i < DeviceBook.DEVICES_PER_PAIRER; i++) {
            book.redeem(book.mint(rita, Scope.READ, "tab", Duration.ofMinutes(5)).code(), null, "a");
        }
        String one = book.mint(rita, Scope.READ, null, Duration.ofMinutes(5)).code();
        DeviceBook.PairingException full = assertThrows(DeviceBook.PairingException.class, () -> book.redeem(one, null, "a"));
        assertEquals(429, full.status());
        assertEquals("laptop", book.redeem(book.mint(alice(), Scope.CHAT, "laptop", Duration.ofMinutes(5)).code(), null, "a").device()
                .name(), "others still pair");
    }

    @Test
    void aPairerCannotGiveMoreThanItHas() throws Exception {
        DeviceBook book = open();
        assertEquals(403, assertThrows(DeviceBook.PairingException.class,
                () -> book.mint(alice(), Scope.ADMIN, null, Duration.ofMinutes(5))).status());
        assertEquals(400, assertThrows(DeviceBook.PairingException.class,
                () -> book.mint(alice(), Scope.READ, "Bad Name", Duration.ofMinutes(5))).status());
        assertEquals(400, assertThrows(DeviceBook.PairingException.class,
                () -> book.mint(alice(), Scope.READ, null, Duration.ofHours(2))).status());
    }
}
