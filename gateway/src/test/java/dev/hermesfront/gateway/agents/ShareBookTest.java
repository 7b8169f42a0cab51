package dev.hermesfront.gateway.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.bridge.hub.Role;
import dev.hermesfront.gateway.config.Scope;
import dev.hermesfront.gateway.policy.Identity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ShareBookTest {
    private static final Identity CHAT = Identity.of("laptop", Scope.CHAT, "bearer");
    private static final Identity READ = Identity.of("reader", Scope.READ, "bearer");
    private static final Identity ADMIN = Identity.of("ops", Scope.ADMIN, "bearer");

    /** A clock the test moves. */
    private static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final MovableClock clock = new MovableClock();

    @Test
    void aLinkOpensItsOneAgentWithTheScopeOfItsRoleUntilItExpires() throws Exception {
        ShareBook book = new ShareBook(10, clock);
        ShareBook.Minted viewer = book.mint("agent1", ADMIN, Role.VIEWER, Duration.ofMinutes(5));
        Identity who = book.resolve(viewer.token()).orElseThrow();
        assertEquals(Scope.READ, who.scope(), "a viewer reads, whoever minted it");
        assertEquals(Optional.of("agent1"), who.agent());
        assertEquals("share:" + viewer.share().id(), who.name());
        assertEquals(Scope.CHAT, book.resolve(book.mint("agent1", ADMIN, Role.PARTICIPANT, Duration.ofMinutes(5)).token()).orElseThrow().scope(),
                "a participant chats at most, even when an admin minted it");
        assertEquals(Scope.READ, book.resolve(book.mint("agent1", READ, Role.PARTICIPANT, Duration.ofMinutes(5)).token()).orElseThrow().scope(),
                "never more than its minter");
        clock.now = clock.now.plus(Duration.ofMinutes(5));
        assertTrue(book.resolve(viewer.token()).isEmpty(), "expired");
        assertTrue(book.resolve("hfs_" + "A".repeat(43)).isEmpty());
        assertTrue(book.resolve(viewer.token().substring(0, viewer.token().length() - 1)).isEmpty());
    }

    @Test
    void revokedAndEndedLinksStopWorking() throws Exception {
        ShareBook book = new ShareBook(10, clock);
        ShareBook.Minted a = book.mint("agent1", CHAT, Role.VIEWER, Duration.ofHours(1));
        ShareBook.Minted b = book.mint("agent2", CHAT, Role.VIEWER, Duration.ofHours(1));
        assertTrue(book.revoke("agent2", a.share().id()).isEmpty(), "a link is revoked through its own agent only");
        assertEquals(a.share(), book.revoke("agent1", a.share().id()).orElseThrow());
        assertTrue(book.resolve(a.token()).isEmpty());
        book.agentEnded("agent2");
        assertTrue(book.resolve(b.token()).isEmpty());
        assertEquals(0, book.size());
    }

    @Test
    void remembersItsDeadLinksSoThatTheyAreNotGuessesButForgetsTheOldestPastItsBound() throws Exception {
        ShareBook book = new ShareBook(2, clock);
        ShareBook.Minted revoked = book.mint("agent1", CHAT, Role.VIEWER, Duration.ofHours(1));
        ShareBook.Minted ended = book.mint("agent2", CHAT, Role.VIEWER, Duration.ofHours(1));
        assertFalse(book.wasMinted(revoked.token()), "a live link is not a dead one");
        book.revoke("agent1", revoked.share().id());
        book.agentEnded("agent2");
        assertTrue(book.wasMinted(revoked.token()));
        assertTrue(book.wasMinted(ended.token()));
        ShareBook.Minted expired = book.mint("agent3", CHAT, Role.VIEWER, Duration.ofMinutes(1));
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertTrue(book.resolve(expired.token()).isEmpty());
        assertTrue(book.wasMinted(expired.token()));
        assertFalse(book.wasMinted(revoked.token()), "bounded: the oldest dead link is forgotten first");
        assertFalse(book.wasMinted("hfs_" + "A".repeat(43)), "a made-up token was never ours");
    }

    @Test
    void isBoundedAndForgetsExpiredLinksBeforeRefusing() throws Exception {
        ShareBook book = new ShareBook(3, clock);
        for (int i = 0; i < 3; i++) {
            book.mint("agent1", CHAT, Role.VIEWER, Duration.ofMinutes(1 + i));
        }
        assertThrows(ShareBook.FullException.class, () -> book.mint("agent1", CHAT, Role.VIEWER, Duration.ofMinutes(1)));
        assertEquals(3, book.size());
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        book.mint("agent1", CHAT, Role.VIEWER, Duration.ofMinutes(1));
        assertEquals(3, book.size());
        assertEquals(3, book.forAgent("agent1").size());
    }

    @Test
    void tokensAreLongRandomAndRecognizable() throws Exception {
        ShareBook book = new ShareBook(10, clock);
        String t1 = book.mint("a", CHAT, Role.VIEWER, Duration.ofHours(1)).token();
        String t2 = book.mint("a", CHAT, Role.VIEWER, Duration.ofHours(1)).token();
        assertTrue(t1.startsWith("hfs_") && t1.length() >= 40, t1);
        assertTrue(!t1.equals(t2));
    }
}
