package dev.hermesfront.bridge.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.protocol.Frame;
import dev.hermesfront.protocol.codec.Decoded;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The submission ledger on its own: waiting for an answer in flight, errors, the window, and its bounds. */
class SubmissionLedgerTest {
    private static final String SHARED = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", "
            + "\"payload\": {\"shared_session\": {\"version\": 1, \"socket_id\": \"ab\"}}}}";
    private static final String V1 = "{\"jsonrpc\": \"2.0\", \"method\": \"event\", \"params\": {\"type\": \"gateway.ready\", "
            + "\"payload\": {\"capabilities\": {}, \"protocol\": {\"version\": 1}}}}";
    private final FrameCodec codec = new FrameCodec();
    private final AtomicLong now = new AtomicLong();
    private final SubmissionLedger ledger = new SubmissionLedger(new ObjectMapper(), codec, Duration.ofSeconds(60), now::get);

    private static Member member(String name) {
        return new Member(null, 1, new MemberSpec(name, Role.OWNER, null, false), null, null);
    }

    private Frame submit(String id, String ref) {
        String text = "{\"jsonrpc\": \"2.0\", \"id\": \"" + id + "\", \"method\": \"prompt.submit\", \"params\": {\"session_id\": \"s1\", "
                + "\"text\": \"hi\"" + (ref == null ? "" : ", \"submission_ref\": \"" + ref + "\"") + "}}";
        return ((Decoded.Valid) codec.decode(text)).frame();
    }

    @Test
    void aRepeatWhileTheFirstIsInFlightGetsTheSameAnswerWithItsOwnId() {
        Member a = member("laptop");
        Member b = member("laptop");
        SubmissionLedger.Admission first = ledger.admit(a, submit("a1", "r"), SHARED);
        ledger.sent(((SubmissionLedger.Admission.Admit) first).entry(), "\"a1\"");
        assertInstanceOf(SubmissionLedger.Admission.Waiting.class, ledger.admit(b, submit("b1", "r"), SHARED));
        List<SubmissionLedger.Delivery> copies = ledger.answered("\"a1\"", "{\"jsonrpc\": \"2.0\", \"id\": \"a1\", \"result\": {\"ok\": 1}}");
        assertEquals(1, copies.size());
        assertEquals(b, copies.get(0).member());
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": \"b1\", \"result\": {\"ok\": 1}}", copies.get(0).frame());
        SubmissionLedger.Admission later = ledger.admit(b, submit("b2", "r"), SHARED);
        assertEquals("{\"jsonrpc\": \"2.0\", \"id\": \"b2\", \"result\": {\"ok\": 1}}",
                ((SubmissionLedger.Admission.Answered) later).answer());
    }

    @Test
    void anotherPrincipalOrAnErrorAnswerOrTheEndOfTheWindowMeansANewSubmission() {
        SubmissionLedger.Admission first = ledger.admit(member("laptop"), submit("a1", "r"), SHARED);
        ledger.sent(((SubmissionLedger.Admission.Admit) first).entry(), "\"a1\"");
        assertInstanceOf(SubmissionLedger.Admission.Admit.class, ledger.admit(member("share:x"), submit("a1", "r"), SHARED));
        ledger.answered("\"a1\"", "{\"jsonrpc\": \"2.0\", \"id\": \"a1\", \"error\": {\"code\": 4009, \"message\": \"busy\"}}");
        SubmissionLedger.Admission retry = ledger.admit(member("laptop"), submit("a2", "r"), SHARED);
        assertInstanceOf(SubmissionLedger.Admission.Admit.class, retry, "an error is not an admission");
        ledger.sent(((SubmissionLedger.Admission.Admit) retry).entry(), "\"a2\"");
        ledger.answered("\"a2\"", "{\"jsonrpc\": \"2.0\", \"id\": \"a2\", \"result\": {}}");
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        assertInstanceOf(SubmissionLedger.Admission.Admit.class, ledger.admit(member("laptop"), submit("a3", "r"), SHARED));
    }

    @Test
    void theReferenceIsTakenOutForA9eb0AgentAndKeptForOthers() {
        Frame out = ((SubmissionLedger.Admission.Admit) ledger.admit(member("laptop"), submit("a1", "r"), V1)).frame();
        assertFalse(out.text().contains("submission_ref"), out.text());
        assertEquals("a1", out.id().json().replace("\"", ""));
        SubmissionLedger other = new SubmissionLedger(new ObjectMapper(), codec, Duration.ofSeconds(60), now::get);
        Frame kept = ((SubmissionLedger.Admission.Admit) other.admit(member("laptop"), submit("a1", "r"), SHARED)).frame();
        assertTrue(kept.text().contains("\"submission_ref\": \"r\""), kept.text());
        // Without a window (parking off) nothing is remembered.
        SubmissionLedger off = new SubmissionLedger(new ObjectMapper(), codec, Duration.ZERO, now::get);
        assertInstanceOf(SubmissionLedger.Admission.Forward.class, off.admit(member("laptop"), submit("a1", "r"), SHARED));
    }

    @Test
    void memoryIsBounded() {
        for (int i = 0; i < 3 * SubmissionLedger.MAX_ENTRIES; i++) {
            SubmissionLedger.Admission a = ledger.admit(member("laptop"), submit("a" + i, "ref-" + i), SHARED);
            ledger.sent(((SubmissionLedger.Admission.Admit) a).entry(), "\"a" + i + "\"");
        }
        assertEquals(SubmissionLedger.MAX_ENTRIES, ledger.size());
        String big = "{\"jsonrpc\": \"2.0\", \"id\": \"a767\", \"result\": {\"t\": \"" + "x".repeat(SubmissionLedger.MAX_ANSWER_CHARS) + "\"}}";
        ledger.answered("\"a767\"", big);
        assertEquals(SubmissionLedger.MAX_ENTRIES - 1, ledger.size(), "an answer over the bound is not remembered");
    }
}
