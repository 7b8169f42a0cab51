package dev.hermesfront.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The method table follows the contract it is deployed against. The contract's method list is vendored in
 * {@code src/test/resources/contract/methods-current.tsv} (a copy of {@code ../shared/spec/methods-current.tsv});
 * refreshing it from a newer contract makes this test list every method that needs a decision.
 */
class MethodTableTest {
    private static String read(String resource) throws IOException {
        try (InputStream in = MethodTableTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** method -> direction (c2s / s2c) of the vendored contract. */
    private static Map<String, String> contract() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        String[] lines = read("/contract/methods-current.tsv").split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split("\t");
            out.put(f[0], f[1].startsWith("client") ? "c2s" : "s2c");
        }
        return out;
    }

    @Test
    void everyMethodOfTheContractHasADecisionAndEveryDecisionAMethod() throws IOException {
        Map<String, String> contract = contract();
        List<AccessPolicy.MethodRow> rows = AccessPolicy.methodRows(read("/dev/hermesfront/gateway/policy/method-scopes.tsv"));
        Map<String, String> decided = new LinkedHashMap<>();
        rows.forEach(r -> decided.put(r.method() + "/" + r.direction(), r.scope().label()));
        List<String> missing = new ArrayList<>();
        contract.forEach((m, dir) -> {
            if (!decided.containsKey(m + "/" + dir)) {
                missing.add(m + " (" + dir + ")");
            }
        });
        assertEquals(List.of(), missing, "methods of the contract with no scope decision in method-scopes.tsv");
        List<String> stale = new ArrayList<>();
        for (AccessPolicy.MethodRow r : rows) {
            boolean known = switch (r.direction()) {
                case "c2s", "s2c" -> r.direction().equals(contract.get(r.method()));
                case "fork" -> !contract.containsKey(r.method());
                case "front" -> r.method().equals("gateway.ping");
                default -> false;
            };
            if (!known) {
                stale.add(r.method() + " (" + r.direction() + ")");
            }
        }
        assertEquals(List.of(), stale, "rows of method-scopes.tsv the contract does not have (or has in another direction)");
        assertEquals(253 + 13, contract.size(),
                "the vendored contract is 9eb0's (252 client-to-server methods and 13 requests) and subagent.snapshot (§13.4)");
    }

    @ParameterizedTest
    @CsvSource({"client.capabilities,read", "approval.received,chat", "gateway.ping,read", "prompt.submit,chat", "session.resume,chat",
            "shell.exec,admin", "cli.exec,admin", "billing.charge,admin", "config.set,admin", "command.dispatch,admin", "clipboard.paste,admin",
            "voice.record,admin", "clarify.respond,chat", "no.such.method,admin"})
    void decidesTheMethodsThatMatter(String method, String scope) {
        assertEquals(scope, AccessPolicy.builtIn().forMethod(method).label());
    }

    @ParameterizedTest
    @CsvSource({"approval,chat", "sudo,chat", "secret,chat", "vault.unlock_prompt,chat", "display.install.sudo,admin", "setup_choose,admin"})
    void answersToServerRequestsNeedTheRequestsScope(String request, String scope) {
        assertEquals(scope, AccessPolicy.builtIn().forAnswer(request).label());
    }

    @Test
    void everyScopeIsOneOfTheThree() throws IOException {
        TreeSet<String> scopes = new TreeSet<>();
        AccessPolicy.methodRows(read("/dev/hermesfront/gateway/policy/method-scopes.tsv")).forEach(r -> scopes.add(r.scope().label()));
        assertTrue(List.of("admin", "chat", "read").containsAll(scopes), scopes.toString());
    }
}
