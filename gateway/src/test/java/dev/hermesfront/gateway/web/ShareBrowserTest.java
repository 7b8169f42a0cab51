package dev.hermesfront.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hermesfront.bridge.current.CurrentWireLauncher;
import dev.hermesfront.bridge.demo.DemoLauncher;
import dev.hermesfront.gateway.GatewayServer;
import dev.hermesfront.gateway.config.ConfigLoader;
import dev.hermesfront.gateway.config.Credential;
import dev.hermesfront.gateway.config.Credentials;
import dev.hermesfront.gateway.config.GatewayConfig;
import dev.hermesfront.gateway.config.Secret;
import dev.hermesfront.protocol.codec.FrameCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sharing from the page, in headless Chromium: the owner mints a link, a second tab opens it as a viewer and
 * follows the owner's turn live but cannot prompt (the front refuses it, not only the page), a revoked link
 * stops at once and for good, the agent's approval reaches the owner's page only and is answered there, and a
 * coordinator lists each peer's agents and says which machine a session runs on.
 */
class ShareBrowserTest extends BrowserTestBase {
    private static final String PEER_TOKEN = "peer-token-for-coordinator-0123";

    /** On the owner's tab (signed in, an agent open): mints a link for {@code role} and returns it. */
    private String mint(String role) throws Exception {
        web.await("!document.getElementById('share-box').hidden", "the share controls");
        web.script("document.getElementById('share-role').value = arguments[0]", role);
        int before = web.script("return document.querySelectorAll('#share-links .share-link').length").asInt();
        web.click("#share");
        return web.await("(() => { const l = document.querySelectorAll('#share-links .share-link input.link');"
                + " return l.length > " + before + " && l[0].value; })()", "a new share link").asText();
    }

    /** Opens {@code link} in a new tab and waits until it watches live; returns the owner's tab handle. */
    private String openAsViewer(String link) throws Exception {
        String owner = web.newTab();
        web.open(link);
        web.await("document.getElementById('status').dataset.state === 'live' && !document.getElementById('role').hidden",
                "the viewer's live connection");
        return owner;
    }

    @Test
    void aViewerFollowsTheOwnersTurnLiveAndCannotPrompt() throws Exception {
        GatewayServer gw = gateway();
        signIn(gw, TOKEN);
        newAgent();
        prompt("first turn before sharing");
        awaitReply("Echo: first turn before sharing");
        String link = mint("viewer");
        assertTrue(link.startsWith(page(gw) + "#share=hfs_") && link.contains("&session="), link);
        assertFalse(link.contains(TOKEN), "the owner's token is not in the link");

        String owner = openAsViewer(link);
        String viewer = web.switchTo(owner);
        web.switchTo(viewer);
        assertEquals("viewer · read-only", web.text("#role"));
        assertFalse(web.visible("#prompt-form"), "no prompt box for a viewer");
        assertTrue(web.visible("#viewer-note"));
        assertFalse(web.script("return location.href.includes('share')").asBoolean(), "the link's token left the address bar");
        web.await("document.querySelector('#transcript .msg.assistant .text') !== null"
                + " && document.querySelector('#transcript .msg.assistant .text').textContent === 'Echo: first turn before sharing'",
                "the session's history on the viewer's page");

        web.switchTo(owner);
        prompt("DEMO_SLOW watch this turn from another tab");
        web.switchTo(viewer);
        String partial = web.await("(() => { const t = document.querySelector('#transcript .msg.assistant.streaming .text');"
                + " return t && t.textContent.length > 0 ? t.textContent : null; })()", "the owner's turn streaming on the viewer's page").asText();
        shot("viewer-live-turn");
        assertTrue("Echo: DEMO_SLOW watch this turn from another tab".startsWith(partial), partial);
        awaitReply("Echo: DEMO_SLOW watch this turn from another tab");

        // Force the hidden form: the front itself refuses a viewer's prompt, and the page goes read-only.
        web.script("document.getElementById('prompt-form').hidden = false; document.getElementById('prompt').value = 'sneaky prompt';"
                + " document.getElementById('prompt-form').requestSubmit();");
        String refused = web.await("(() => { const n = [...document.querySelectorAll('#transcript .notice.warn')]"
                + ".find(x => x.textContent.startsWith('Not allowed')); return n && n.textContent; })()", "the refusal").asText();
        assertTrue(refused.contains("-32003") || refused.contains("read") || refused.contains("forbidden"), refused);
        assertFalse(web.visible("#prompt-form"), "read-only again");
        web.switchTo(owner);
        prompt("after the viewer tried");
        awaitReply("Echo: after the viewer tried");
        assertFalse(web.script("return document.getElementById('transcript').textContent.includes('sneaky')").asBoolean(),
                "the viewer's prompt never reached the agent");
        web.switchTo(viewer);
        awaitReply("Echo: after the viewer tried");
        assertEquals(List.of(), pageErrors());
        String shareToken = link.substring(link.indexOf("#share=") + 7, link.indexOf('&'));
        assertTrue(accessLog.stream().filter(l -> l.startsWith("GET /api/ws")).count() >= 2, "both sockets logged: " + accessLog);
        assertTrue(accessLog.stream().noneMatch(l -> l.contains(shareToken) || l.contains(TOKEN)),
                "neither the share token nor the owner's token is in a URL the front saw: " + accessLog);
    }

    @Test
    void aRevokedLinkStopsWorking() throws Exception {
        GatewayServer gw = gateway();
        signIn(gw, TOKEN);
        newAgent();
        String link = mint("viewer");
        String owner = openAsViewer(link);
        String viewer = web.switchTo(owner);
        web.click("#share-links .share-link button.danger");
        web.await("document.querySelector('#share-links .share-link.revoked') !== null", "the link marked revoked");
        web.switchTo(viewer);
        String why = web.await("(() => { const n = [...document.querySelectorAll('#transcript .notice.error')].pop();"
                + " return document.getElementById('status').dataset.state === 'error' && n && n.textContent; })()", "the viewer cut off").asText();
        assertTrue(why.contains("revoked"), why);
        shot("viewer-revoked");
        web.open(page(gw));
        String again = web.await("(() => { const n = [...document.querySelectorAll('#transcript .notice.error')].pop();"
                + " return n && n.textContent; })()", "the reloaded viewer refused").asText();
        assertTrue(again.contains("no longer works"), again);
        web.open(link);
        again = web.await("(() => { const n = [...document.querySelectorAll('#transcript .notice.error')].pop();"
                + " return n && n.textContent; })()", "the link opened again refused").asText();
        assertTrue(again.contains("no longer works"), again);
        assertEquals("closed", web.text("#status"));
    }

    @Test
    void theAgentsApprovalReachesTheOwnersPageOnlyAndIsAnsweredThere() throws Exception {
        GatewayServer gw = gateway(new CurrentWireLauncher(new ObjectMapper(), new FrameCodec()),
                List.of(new Credential.Token("laptop", Secret.of(TOKEN), "chat")));
        signIn(gw, TOKEN);
        newAgent();
        String link = mint("viewer");
        String owner = openAsViewer(link);
        String viewer = web.switchTo(owner);
        prompt("please APPROVE this");
        web.await("document.querySelector('#transcript .ask.approval button[data-choice=once]') !== null", "the approval card");
        assertTrue(web.text("#transcript .ask.approval").contains("rm -rf /tmp/standin-scratch"));
        shot("owner-approval");
        web.switchTo(viewer);
        web.await("(() => { const t = document.querySelector('#transcript .msg.assistant .text');"
                + " return t && t.textContent.startsWith('Asking first.'); })()", "the turn on the viewer's page");
        assertEquals(0, web.script("return document.querySelectorAll('#transcript .ask').length").asInt(),
                "the agent's question never reaches a viewer");
        web.switchTo(owner);
        web.click("#transcript .ask.approval button[data-choice=once]");
        awaitReply("Asking first. Approved (once).");
        assertTrue(web.text("#transcript .ask.approval").contains("answered: once"));
        web.switchTo(viewer);
        awaitReply("Asking first. Approved (once).");
    }

    @Test
    void aCoordinatorListsEachPeersAgentsAndShowsTheMachine() throws Exception {
        // The coordinator's credential at the peer delegates: the coordinator acts for its users (issue 21, F3).
        GatewayServer peer = gateway(GatewayConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Credentials.of(
                List.of(new Credential.Token("coordinator", Secret.of(PEER_TOKEN), "chat")), java.util.Set.of("coordinator"))),
                new DemoLauncher(new ObjectMapper(), new FrameCodec()));
        GatewayServer coordinator = gateway(coordinatorConfig(peer.port()), new DemoLauncher(new ObjectMapper(), new FrameCodec()));
        signIn(coordinator, TOKEN);
        web.await("document.querySelector('#machines section[data-peer=studio]') !== null", "the peer's group");
        web.click("#machines section[data-peer=studio] button");
        web.await("document.getElementById('status').dataset.state === 'live' && !document.getElementById('prompt-form').hidden",
                "a session on the peer");
        assertEquals("on studio", web.text("#machine"));
        prompt("hello studio");
        awaitReply("Echo: hello studio");
        web.click("#refresh");
        String onPeer = web.await("(() => { const a = document.querySelector('#machines section[data-peer=studio] .agent');"
                + " return a && a.textContent; })()", "the agent listed by the peer").asText();
        assertTrue(onPeer.contains("on studio") && onPeer.contains("owner coordinator/laptop"), "the peer names the user: " + onPeer);
        String relayed = web.await("(() => { const a = document.querySelector('#machines section[data-peer=\"\"] .agent');"
                + " return a && a.textContent; })()", "the coordinator's own entry for it").asText();
        assertTrue(relayed.contains("on studio") && relayed.contains("owner laptop"), "the coordinator relays it to studio: " + relayed);
        shot("coordinator");
    }

    private static GatewayConfig coordinatorConfig(int peerPort) throws Exception {
        Path dir = Files.createTempDirectory("hf-page-coord");
        Path file = dir.resolve("coordinator.yaml");
        Files.writeString(file, "credentials:\n"
                + "  - {name: laptop, token: " + TOKEN + ", scope: chat}\n"
                + "peers:\n"
                + "  - {name: studio, url: 'http://127.0.0.1:" + peerPort + "', token: " + PEER_TOKEN + "}\n");
        try {
            return ConfigLoader.load(new ConfigLoader.Input(Map.of("config", List.of(file.toString()), "listen", List.of("127.0.0.1:0")),
                    Map.of(), dir, false, false, () -> "unused")).gateway();
        } finally {
            Files.delete(file);
            Files.delete(dir);
        }
    }
}
