package dev.hermesfront.gateway.http;

import dev.hermesfront.gateway.config.ProxyIdentity;
import dev.hermesfront.gateway.policy.Carrier;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * Reads the identity header a trusted proxy sets (Tailscale Serve's {@code Tailscale-User-Login}) and
 * removes it from the request, so no upstream ever sees it. From an address in {@code trusted_proxies} the
 * header becomes the request's {@link Carrier.ProxyUser} ({@link CredentialCarriers} presents it to the
 * Gate like any other credential; several values are a malformed credential); from any other address it
 * is dropped unread. The settings are read per request, so a reload applies at once.
 */
public final class ProxyIdentityHandler implements HttpHandler {
    private final Supplier<ProxyIdentity> settings;
    private final HttpHandler next;

    public ProxyIdentityHandler(Supplier<ProxyIdentity> settings, HttpHandler next) {
        this.settings = settings;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        ProxyIdentity p = settings.get();
        if (p.enabled()) {
            HttpString name = HttpString.tryFromString(p.header().get());
            java.util.Collection<String> values = ex.getRequestHeaders().remove(name);
            if (values != null && !values.isEmpty()
                    && p.trusts(((InetSocketAddress) ex.getSourceAddress()).getAddress())) {
                String v = values.size() == 1 ? values.iterator().next().strip() : null;
                ex.putAttachment(CredentialCarriers.PROXY_USER,
                        v == null || v.isEmpty() ? new Carrier.Malformed("identity") : new Carrier.ProxyUser(v));
            }
        }
        next.handleRequest(ex);
    }
}
