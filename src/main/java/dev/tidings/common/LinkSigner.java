package dev.tidings.common;

import dev.tidings.config.TidingsConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed tokens for links in mails (confirm, unsubscribe): a subject id, a scope id (the
 * newsletter), an optional expiry and a purpose, authenticated with HMAC-SHA256. Nothing is stored
 * per token; a token made for one purpose, subject or newsletter is worthless for another.
 *
 * <p>The key comes from {@code tidings.secret-key}; without one, the service generates a random
 * key once and keeps it in PostgreSQL, so every replica signs alike.
 */
@ApplicationScoped
public class LinkSigner {

    public record Claims(UUID subject, UUID scope, Instant expiresAt) {}

    private static final int MAC_BYTES = 16;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final TidingsConfig config;
    private final ServiceSecrets secrets;
    private volatile byte[] key;

    public LinkSigner(TidingsConfig config, ServiceSecrets secrets) {
        this.config = config;
        this.secrets = secrets;
    }

    void loadKey(@Observes StartupEvent event) {
        String secret = config.secretKey().orElseGet(() -> secrets.getOrCreate("link-signing"));
        key = sha256(secret.getBytes(StandardCharsets.UTF_8));
    }

    public String sign(String purpose, UUID subject, UUID scope, Instant expiresAt) {
        ByteBuffer payload = ByteBuffer.allocate(40);
        payload.putLong(subject.getMostSignificantBits()).putLong(subject.getLeastSignificantBits());
        payload.putLong(scope.getMostSignificantBits()).putLong(scope.getLeastSignificantBits());
        payload.putLong(expiresAt == null ? 0 : expiresAt.getEpochSecond());
        byte[] body = payload.array();
        return ENCODER.encodeToString(body) + "." + ENCODER.encodeToString(mac(purpose, body));
    }

    /**
     * A signature of a short text for one purpose (e.g. the web admin's form tokens): the same key
     * and MAC as the links, never valid for another purpose.
     */
    public String sign(String purpose, String value) {
        return ENCODER.encodeToString(mac(purpose, value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code signature} is {@link #sign(String, String)} of this purpose and text (constant time). */
    public boolean verify(String purpose, String value, String signature) {
        if (value == null || signature == null) {
            return false;
        }
        return MessageDigest.isEqual(
                signature.getBytes(StandardCharsets.UTF_8), sign(purpose, value).getBytes(StandardCharsets.UTF_8));
    }

    /** The MAC (16 bytes) of {@code body} for one purpose: for tokens with an encoding of their own. */
    public byte[] tag(String purpose, byte[] body) {
        return mac(purpose, body);
    }

    /** A token of arbitrary (short) bytes for one purpose: {@code base64url(body).base64url(mac)}. */
    public String signBytes(String purpose, byte[] body) {
        return ENCODER.encodeToString(body) + "." + ENCODER.encodeToString(mac(purpose, body));
    }

    /** The body of a genuine {@link #signBytes} token of this purpose and length; empty for anything else. */
    public Optional<byte[]> verifyBytes(String purpose, String token, int length) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot < 0 || token.indexOf('.', dot + 1) >= 0) {
            return Optional.empty();
        }
        try {
            byte[] body = Base64.getUrlDecoder().decode(token.substring(0, dot));
            byte[] mac = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            return body.length == length && MessageDigest.isEqual(mac, mac(purpose, body))
                    ? Optional.of(body)
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The claims of a genuine, unexpired token of this purpose; empty for anything else. */
    public Optional<Claims> verify(String purpose, String token) {
        if (token == null) {
            return Optional.empty();
        }
        String[] parts = token.strip().split("\\.", -1);
        if (parts.length != 2) {
            return Optional.empty();
        }
        try {
            byte[] body = Base64.getUrlDecoder().decode(parts[0]);
            byte[] mac = Base64.getUrlDecoder().decode(parts[1]);
            if (body.length != 40 || !MessageDigest.isEqual(mac, mac(purpose, body))) {
                return Optional.empty();
            }
            ByteBuffer payload = ByteBuffer.wrap(body);
            UUID subject = new UUID(payload.getLong(), payload.getLong());
            UUID scope = new UUID(payload.getLong(), payload.getLong());
            long expiry = payload.getLong();
            Instant expiresAt = expiry == 0 ? null : Instant.ofEpochSecond(expiry);
            if (expiresAt != null && expiresAt.isBefore(Instant.now())) {
                return Optional.empty();
            }
            return Optional.of(new Claims(subject, scope, expiresAt));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** One HmacSHA256 per thread, keyed once (a Mac is not thread-safe; getting one per call costs a provider lookup). */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(() -> {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    });

    private byte[] mac(String purpose, byte[] body) {
        Mac mac = macs.get();
        mac.update(purpose.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        return Arrays.copyOf(mac.doFinal(body), MAC_BYTES);
    }

    private static byte[] sha256(byte[] value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
