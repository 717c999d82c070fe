package dev.tidings.sender;

import dev.tidings.common.ProblemException;
import dev.tidings.config.TidingsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * DKIM key pairs of sender domains: RSA-2048 made here, the private key kept only encrypted
 * (AES-256-GCM, a random 96-bit nonce per key, the domain bound in as associated data so a key
 * cannot be moved to another row). The encryption key is the SHA-256 of
 * {@code tidings.sender.key-encryption-key}; without it no domain can be added.
 */
@ApplicationScoped
public class DomainKeys {

    private static final Logger LOG = Logger.getLogger(DomainKeys.class);
    private static final int NONCE = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new pair: the public key as DNS publishes it (base64 DER), the private key encrypted. */
    public record Made(String publicKey, byte[] sealedPrivateKey) {}

    private final Optional<SecretKeySpec> key;

    @jakarta.inject.Inject
    public DomainKeys(TidingsConfig config) {
        this(config.sender().keyEncryptionKey());
    }

    /** With the encryption key given (tests). */
    DomainKeys(Optional<String> keyEncryptionKey) {
        Optional<String> secret = keyEncryptionKey.filter(s -> !s.isBlank());
        if (secret.isPresent() && secret.get().length() < 32) {
            throw new io.quarkus.runtime.configuration.ConfigurationException(
                    "tidings.sender.key-encryption-key must be at least 32 characters (e.g. openssl rand -base64 32)");
        }
        this.key = secret.map(s -> new SecretKeySpec(sha256(s), "AES"));
        if (key.isEmpty()) {
            LOG.info("tidings.sender.key-encryption-key is not set: sender domains cannot be added");
        }
    }

    /** Makes a pair for {@code domain}; 503 when no encryption key is configured. */
    public Made make(String domain) {
        SecretKeySpec secret = key.orElseThrow(() -> ProblemException.serviceUnavailable(
                "sender-domains-off",
                "Sender domains are not set up on this server: the operator must set"
                        + " tidings.sender.key-encryption-key",
                Duration.ofHours(1)));
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            KeyPair pair = generator.generateKeyPair();
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, secret, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(domain.getBytes(StandardCharsets.UTF_8));
            byte[] encrypted = cipher.doFinal(pair.getPrivate().getEncoded());
            byte[] stored = ByteBuffer.allocate(NONCE + encrypted.length)
                    .put(nonce)
                    .put(encrypted)
                    .array();
            return new Made(Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()), stored);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA or AES-GCM is missing from this JVM", e);
        }
    }

    /**
     * The private key (PKCS#8, base64) of {@code domain}, or empty when it cannot be opened (no
     * encryption key, or another one than it was encrypted with): the caller then signs nothing.
     */
    public Optional<String> open(String domain, byte[] stored) {
        if (key.isEmpty() || stored == null || stored.length <= NONCE) {
            return Optional.empty();
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.get(), new GCMParameterSpec(128, stored, 0, NONCE));
            cipher.updateAAD(domain.getBytes(StandardCharsets.UTF_8));
            byte[] plain = cipher.doFinal(stored, NONCE, stored.length - NONCE);
            return Optional.of(Base64.getEncoder().encodeToString(plain));
        } catch (GeneralSecurityException e) {
            LOG.warnf(
                    "The DKIM key of sender domain %s cannot be opened (was tidings.sender.key-encryption-key"
                            + " changed?): its mail goes out unsigned by it",
                    domain);
            return Optional.empty();
        }
    }

    public boolean enabled() {
        return key.isPresent();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
