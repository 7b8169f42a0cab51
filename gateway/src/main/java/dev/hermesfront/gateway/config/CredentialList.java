package dev.hermesfront.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.gateway.config.FileEntries.CredentialEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The YAML file's {@code credentials} list: named tokens, Basic users and identities, each with a scope, some marked
 * {@code delegate: true}. Not rows of the settings table (a list of records, bound by Jackson: {@link FileEntries});
 * {@code ops.ConfigDiff} compares the credentials whole.
 */
final class CredentialList {
    private CredentialList() {}

    /**
     * What the list holds.
     *
     * @param credentials the credentials, in the file's order
     * @param delegating  names of those with {@code delegate: true}
     */
    record Read(List<Credential> credentials, Set<String> delegating) {}

    /** Returns the credentials of {@code yaml} (none without a file or a list), each recorded in {@code values}. */
    static Read read(YamlDoc yaml, FileSecrets secrets, boolean loopback, List<ConfigValue> values) {
        Set<String> delegating = new HashSet<>();
        JsonNode list = yaml == null ? null : yaml.root().get("credentials");
        List<Credential> out = new ArrayList<>();
        if (list == null || list.isNull()) {
            return new Read(out, delegating);
        }
        if (!list.isArray()) {
            throw new ConfigException(yaml.where("credentials") + ": credentials must be a list of {name, token|token_env|token_file|basic, scope}");
        }
        int i = 0;
        for (JsonNode c : list) {
            String where = "credentials[" + i++ + "]";
            CredentialEntry e = FileEntries.bind(yaml, where, c, CredentialEntry.class, CredentialEntry.KEYS,
                    "{name, token | token_env | token_file | basic, identity, scope, delegate}");
            if (e.name() == null || e.name().isBlank()) {
                throw new ConfigException(yaml.where(where) + ": " + where + ".name is missing (expected: a non-empty name)");
            }
            String scopeName = e.scope() != null ? e.scope() : Credential.DEFAULT_SCOPE.label();
            Scope scope = Scope.parse(scopeName).orElseThrow(() -> new ConfigException(yaml.where(where) + ": " + where + ".scope: \""
                    + scopeName + "\" (expected: metrics, read, chat or admin)"));
            Secret token = secrets.read(e.token(), e.tokenEnv(), e.tokenFile(), where + ".token");
            if (Boolean.TRUE.equals(e.delegate())) {
                if (e.basic() == null && token == null) {
                    throw new ConfigException(yaml.where(where) + ": " + where + ".delegate: a credential that acts on behalf of others "
                            + "(a coordinator) needs a token or a Basic user, not only an identity");
                }
                delegating.add(e.name());
            }
            if (e.identity() != null) {
                if (e.identity().isBlank()) {
                    throw new ConfigException(yaml.where(where) + ": " + where + ".identity: \"\" (expected: the user name the proxy sends, "
                            + "e.g. alice@example.com)");
                }
                out.add(new Credential.Login(e.name(), e.identity().strip(), scope));
                values.add(new ConfigValue("credentials", e.name() + " (identity " + e.identity().strip() + ", scope " + scope.label() + ")",
                        secrets.fileSource(where)));
                if (e.basic() == null && token == null) {
                    continue;
                }
            }
            if ((e.basic() == null) == (token == null)) {
                throw new ConfigException(yaml.where(where) + ": " + where + " (" + e.name() + ") needs exactly one of token, token_env, "
                        + "token_file or basic" + (e.identity() == null ? " (or an identity)" : " beside its identity"));
            }
            if (token != null) {
                FileSecrets.checked(token.reveal(), where + ".token", loopback);
                out.add(new Credential.Token(e.name(), token, scope));
                values.add(new ConfigValue("credentials", e.name() + " (token, scope " + scope.label() + ")", secrets.fileSource(where)));
            } else {
                Secret pw = secrets.basicPassword(e.basic(), where);
                FileSecrets.checked(pw.reveal(), where + ".basic.password", loopback);
                out.add(new Credential.Basic(e.name(), e.basic().user(), pw, scope));
                values.add(new ConfigValue("credentials", e.name() + " (basic user " + e.basic().user() + ", scope " + scope.label() + ")",
                        secrets.fileSource(where)));
            }
        }
        return new Read(out, delegating);
    }
}
