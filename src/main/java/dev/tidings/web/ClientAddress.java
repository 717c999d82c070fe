package dev.tidings.web;

import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The caller's address as throttles key it. Behind a reverse proxy, Quarkus's forwarded-header
 * support ({@code quarkus.http.proxy.*}) makes this the client, but only when the connection
 * comes from a {@code trusted-proxies} address (see {@link ProxySettingsCheck}); otherwise it is
 * the connection's own peer, whatever X-Forwarded-For says.
 *
 * <p>IPv6 clients are keyed by their /64: one subscriber line or host is usually given a whole
 * /64, so keying by the full address would let it rotate through 2^64 keys.
 */
public final class ClientAddress {

    private ClientAddress() {}

    public static String of(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        if (remote == null) {
            return "unknown";
        }
        return key(remote.hostAddress() != null ? remote.hostAddress() : remote.host());
    }

    /** An IPv4 address as it is; an IPv6 address as its /64 prefix; anything else as given. */
    static String key(String address) {
        if (address == null) {
            return "unknown";
        }
        String bare = address.strip();
        if (bare.startsWith("[") && bare.endsWith("]")) {
            bare = bare.substring(1, bare.length() - 1);
        }
        int zone = bare.indexOf('%');
        if (zone >= 0) {
            bare = bare.substring(0, zone);
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(bare);
        if (bytes == null) {
            return bare;
        }
        try {
            if (bytes.length == 4) {
                return InetAddress.getByAddress(bytes).getHostAddress();
            }
            if (isMappedIpv4(bytes)) {
                return InetAddress.getByAddress(java.util.Arrays.copyOfRange(bytes, 12, 16))
                        .getHostAddress();
            }
            byte[] prefix = java.util.Arrays.copyOf(bytes, 16);
            java.util.Arrays.fill(prefix, 8, 16, (byte) 0);
            return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
        } catch (UnknownHostException e) {
            return bare; // not reached: the bytes are a literal address
        }
    }

    private static boolean isMappedIpv4(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }
}
