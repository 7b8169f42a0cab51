package dev.hermesfront.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hermesfront.gateway.GatewayServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The page at /front/ in headless Chromium against the real gateway and its demo agent: sign-in, a live
 * streamed turn, the page under its CSP (no violations in the console), a phone-sized screen.
 */
class PageBrowserTest extends BrowserTestBase {
    @Test
    void signsInAndShowsALiveTurnStreamedByTheDemoAgent() throws Exception {
        GatewayServer gw = gateway();
        signIn(gw, TOKEN);
        assertFalse(web.script("return location.href.includes(arguments[0])", TOKEN).asBoolean(), "the token is not in the URL");
        assertEquals(0, web.script("return sessionStorage.length").asInt(), "not kept unless asked");
        newAgent();
        prompt("DEMO_SLOW one two three four five six seven eight");
        // Mid-turn: the reply is on screen, still streaming, and only part of it has arrived.
        String partial = web.await("(() => { const t = document.querySelector('#transcript .msg.assistant.streaming .text');"
                + " return t && t.textContent.split(' ').length >= 3 ? t.textContent : null; })()", "a reply half streamed").asText();
        shot("live-turn-streaming");
        String expected = "Echo: DEMO_SLOW one two three four five six seven eight";
        assertTrue(expected.startsWith(partial) && partial.length() < expected.length(), "partial: " + partial);
        awaitReply(expected);
        assertEquals("DEMO_SLOW one two three four five six seven eight", web.text("#transcript .msg.user .text"));
        assertEquals("owner", web.text("#role"));
        assertEquals(List.of(), pageErrors(), "no script errors and no CSP violations in the console");
        assertTrue(accessLog.stream().anyMatch(l -> l.startsWith("GET /api/ws")), "the access log saw the socket: " + accessLog);
        assertTrue(accessLog.stream().noneMatch(l -> l.contains(TOKEN)), "the token is in no URL the front saw: " + accessLog);
    }

    @Test
    void anAgentsReplyIsShownAsTextNeverAsMarkup() throws Exception {
        GatewayServer gw = gateway();
        signIn(gw, TOKEN);
        newAgent();
        String hostile = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script><b>bold</b>";
        prompt(hostile);
        awaitReply("Echo: " + hostile);
        assertEquals(0, web.script("return document.querySelectorAll('#transcript img, #transcript script, #transcript b').length").asInt(),
                "no element made from the reply");
        assertEquals("hermes-front", web.script("return document.title").asText());
        assertEquals(List.of(), pageErrors());
    }

    @Test
    void aWrongTokenIsRefusedAndNotKept() throws Exception {
        GatewayServer gw = gateway();
        web.open(page(gw));
        web.await("!document.getElementById('signin').hidden", "the sign-in form");
        web.type("#token", "not-the-token-0123456789");
        web.click("#signin-button");
        String error = web.await("(() => { const e = document.getElementById('signin-error'); return !e.hidden && e.textContent; })()",
                "the sign-in error").asText();
        assertTrue(error.contains("not accepted"), error);
        assertTrue(web.script("return document.getElementById('app').hidden").asBoolean());
        assertEquals(0, web.script("return sessionStorage.length").asInt(), "nothing kept");
    }

    @Test
    void staysSignedInAcrossAReloadOnlyWhenAsked() throws Exception {
        GatewayServer gw = gateway();
        web.open(page(gw));
        web.await("!document.getElementById('signin').hidden", "the sign-in form");
        web.type("#token", TOKEN);
        web.click("#remember");
        web.click("#signin-button");
        web.await("!document.getElementById('app').hidden", "the signed-in view");
        web.open(page(gw));
        web.await("!document.getElementById('app').hidden", "still signed in after a reload");
        web.click("#signout");
        web.await("!document.getElementById('signin').hidden", "signed out");
        assertEquals(0, web.script("return sessionStorage.length").asInt(), "signing out forgets the token");
    }

    @Test
    void worksOnAPhoneSizedScreen() throws Exception {
        GatewayServer gw = gateway();
        web.size(390, 844);
        signIn(gw, TOKEN);
        newAgent();
        prompt("hello from a phone");
        awaitReply("Echo: hello from a phone");
        int inner = web.script("return window.innerWidth").asInt();
        int scroll = web.script("return document.documentElement.scrollWidth").asInt();
        int client = web.script("return document.documentElement.clientWidth").asInt();
        assertTrue(inner <= 400, "a phone-sized viewport: " + inner);
        assertTrue(scroll <= client, "nothing wider than the screen: " + scroll + " > " + client);
        assertTrue(web.script("return document.getElementById('send').getBoundingClientRect().width").asDouble() >= 44,
                "the send button is big enough to tap");
        assertTrue(web.script("return document.getElementById('session-panel').getBoundingClientRect().top"
                + " < document.getElementById('agents-panel').getBoundingClientRect().top").asBoolean(), "the session comes first");
        shot("phone");
    }
}
