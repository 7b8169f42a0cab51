package dev.hermesfront.gateway.http;

import io.undertow.server.HttpHandler;
import java.util.List;
import java.util.function.UnaryOperator;

/** Wraps a handler in a list of wrappers given outermost first, so chains read in request order. */
public final class HandlerChain {
    private HandlerChain() {}

    /** Returns {@code inner} wrapped by {@code wrappers}; the first wrapper sees the request first. */
    @SafeVarargs
    public static io.undertow.server.HttpHandler of(HttpHandler inner, UnaryOperator<HttpHandler>... wrappers) {
        HttpHandler h = inner;
        List<UnaryOperator<HttpHandler>> list = List.of(wrappers);
        for (int i = list.size() - 1; i >= 0; i--) {
            h = list.get(i).apply(h);
        }
        return h;
    }
}
