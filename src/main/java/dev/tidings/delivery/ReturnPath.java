package dev.tidings.delivery;

import dev.tidings.common.LinkSigner;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The envelope sender of every mail (VERP): {@code bounces+<token>@<host>}, where the token names
 * the send and is signed, so mail returned to it says which send bounced and nobody can make a
 * token that names another one. The token is hex (returned mail may change the case of a local
 * part): the send id (16 bytes) and the first 10 bytes of its HMAC-SHA256 under the link-signing
 * key, 52 characters; the local part is 60, under SMTP's 64.
 */
@ApplicationScoped
public class ReturnPath {

    public static final String LOCAL_PREFIX = "bounces+";
    private static final String PURPOSE = "return-path";
    private static final int TAG = 10;
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern TOKEN = Pattern.compile("[0-9a-fA-F]{52}");

    private final java.util.function.BiFunction<String, byte[], byte[]> mac;

    @jakarta.inject.Inject
    public ReturnPath(LinkSigner signer) {
        this(signer::tag);
    }

    /** With the MAC given (tests): purpose and bytes to at least 10 bytes of MAC. */
    ReturnPath(java.util.function.BiFunction<String, byte[], byte[]> mac) {
        this.mac = mac;
    }

    /** The envelope sender of {@code sendId}'s mail, at {@code host}. */
    public String address(UUID sendId, String host) {
        return LOCAL_PREFIX + token(sendId) + "@" + host;
    }

    public String token(UUID sendId) {
        byte[] id = bytes(sendId);
        return HEX.formatHex(id) + HEX.formatHex(Arrays.copyOf(mac.apply(PURPOSE, id), TAG));
    }

    /** The send a genuine token names; empty for anything else (unknown, altered, unsigned). */
    public Optional<UUID> verify(String token) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            return Optional.empty();
        }
        byte[] all = HEX.parseHex(token.toLowerCase(Locale.ROOT));
        byte[] id = Arrays.copyOf(all, 16);
        byte[] tag = Arrays.copyOfRange(all, 16, 16 + TAG);
        if (!MessageDigest.isEqual(tag, Arrays.copyOf(mac.apply(PURPOSE, id), TAG))) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(id);
        return Optional.of(new UUID(buffer.getLong(), buffer.getLong()));
    }

    /** The token of an address {@code bounces+<token>@…} (any case), or null. */
    public static String tokenOf(String address) {
        if (address == null) {
            return null;
        }
        Matcher m = Pattern.compile("(?i)^<?" + Pattern.quote(LOCAL_PREFIX) + "([0-9a-z_-]{1,80})@")
                .matcher(address.strip());
        return m.find() ? m.group(1) : null;
    }

    private static byte[] bytes(UUID id) {
        return ByteBuffer.allocate(16)
                .putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits())
                .array();
    }
}
