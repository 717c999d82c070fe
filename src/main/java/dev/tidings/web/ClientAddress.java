package dev.tidings.web;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/**
 * The caller's IP address, for throttling. Behind a reverse proxy, enable Quarkus's forwarded
 * header support ({@code quarkus.http.proxy.*}) so this is the client and not the proxy.
 */
public final class ClientAddress {

    private ClientAddress() {}

    public static String of(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        if (remote == null) {
            return "unknown";
        }
        return remote.hostAddress() != null ? remote.hostAddress() : remote.host();
    }
}
