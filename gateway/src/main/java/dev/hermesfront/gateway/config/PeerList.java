package dev.hermesfront.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hermesfront.gateway.config.FileEntries.PeerEntry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The YAML file's {@code peers} list: a coordinator's peers, each a name, a URL, one credential and an optional timeout.
 * Not rows of the settings table (a list of records, bound by Jackson: {@link FileEntries}); {@code ops.ConfigDiff}
 * compares it whole.
 */
final class PeerList {
    private PeerList() {}

    /**
     * Returns the peers of {@code yaml} (none without a file or a list), each recorded in {@code values}.
     *
     * @param probe   {@code peer_probe_interval}
     * @param timeout {@code peer_timeout}, for a peer without its own
     */
    static PeerSettings read(YamlDoc yaml, FileSecrets secrets, Duration probe, Duration timeout, List<ConfigValue> values) {
        JsonNode list = yaml == null ? null : yaml.root().get("peers");
        List<PeerConfig> out = new ArrayList<>();
        if (list == null || list.isNull()) {
            return new PeerSettings(out, probe, timeout);
        }
        if (!list.isArray()) {
            throw new ConfigException(yaml.where("peers") + ": peers must be a list of {name, url, token|token_env|token_file|basic}");
        }
        Set<String> names = new HashSet<>();
        int i = 0;
        for (JsonNode c : list) {
            String where = "peers[" + i++ + "]";
            PeerEntry e = FileEntries.bind(yaml, where, c, PeerEntry.class, PeerEntry.KEYS,
                    "{name, url, token | token_env | token_file | basic, timeout}");
            String name = e.name() == null ? "" : e.name();
            if (!PeerConfig.NAME.matcher(name).matches()) {
                throw new ConfigException(yaml.where(where) + ": " + where + ".name: \"" + name + "\" (expected: a name matching [a-z0-9][a-z0-9-]*)");
            }
            if (!names.add(name)) {
                throw new ConfigException(yaml.where(where) + ": " + where + ".name: \"" + name + "\" (expected: a name not used by another peer)");
            }
            if (e.url() == null) {
                throw new ConfigException(yaml.where(where) + ": " + where + ".url is missing (expected: http://HOST:PORT)");
            }
            URI url = UpstreamConfig.parseUri(where + ".url", e.url());
            Secret token = secrets.read(e.token(), e.tokenEnv(), e.tokenFile(), where + ".token");
            if ((e.basic() == null) == (token == null)) {
                throw new ConfigException(yaml.where(where) + ": " + where + " (" + name + ") needs exactly one of token, token_env, token_file or basic");
            }
            PeerConfig.PeerCredential cred;
            String described;
            if (token != null) {
                cred = new PeerConfig.Token(token);
                described = "token " + FileSecrets.redacted(token.reveal());
            } else {
                Secret pw = secrets.basicPassword(e.basic(), where);
                cred = new PeerConfig.Basic(e.basic().user(), pw);
                described = "basic user " + e.basic().user() + ":<redacted>";
            }
            Duration t = e.timeout() != null ? Parsers.parseDuration(where + ".timeout", e.timeout()) : timeout;
            out.add(new PeerConfig(name, url, cred, t));
            values.add(new ConfigValue("peers", name + " -> " + url + " (" + described + ", timeout " + t + ")", secrets.fileSource(where)));
        }
        return new PeerSettings(out, probe, timeout);
    }
}
