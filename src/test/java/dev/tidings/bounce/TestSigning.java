package dev.tidings.bounce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Signs webhook calls the way each mail provider does, with keys made on the spot, so tests can
 * send authentic-looking calls: SNS messages (RSA key and self-signed certificate), SendGrid events
 * (ECDSA P-256), Mailgun bodies (HMAC-SHA256) and Postmark's Basic credentials. The sample payloads
 * under {@code src/test/resources/webhooks/} are read with {@link #webhook} and {@link
 * #webhookJson}.
 *
 * <p>Checked exceptions become {@link IllegalStateException}: a test helper that fails is a broken
 * test.
 */
public final class TestSigning {

    /** The Mailgun signing key the sample bodies {@code mailgun-*.json} are signed with. */
    public static final String MAILGUN_SIGNING_KEY = "tidings-test-mailgun-signing-key";

    /** A certificate URL {@link ProviderSignatures.Sns#DEFAULT_URL_PATTERN} accepts. */
    public static final String SNS_CERT_URL =
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestSigning() {}

    /** A fresh 2048-bit RSA key pair, as SNS signs with. */
    public static KeyPair rsaKeyPair() {
        return keyPair("RSA", null);
    }

    /** A fresh ECDSA P-256 (secp256r1) key pair, as SendGrid signs with. */
    public static KeyPair ecKeyPair() {
        return keyPair("EC", new ECGenParameterSpec("secp256r1"));
    }

    /** A self-signed certificate for the key pair, valid from 2000 to 2100 (any sample timestamp). */
    public static X509Certificate selfSignedCertificate(KeyPair keys) {
        return selfSignedCertificate(
                keys, Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("2100-01-01T00:00:00Z"));
    }

    /** A self-signed certificate for the key pair, valid between the two instants. */
    public static X509Certificate selfSignedCertificate(KeyPair keys, Instant notBefore, Instant notAfter) {
        X500Name name = new X500Name("CN=sns.amazonaws.com.test");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                name, new BigInteger(64, RANDOM), Date.from(notBefore), Date.from(notAfter), name, keys.getPublic());
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(
                            builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The certificate in PEM, as served at an SNS {@code SigningCertURL}. */
    public static String pem(X509Certificate certificate) {
        try {
            String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Signs an SNS message in place as SNS would: sets {@code SignatureVersion} ("1" for SHA1withRSA,
     * "2" for SHA256withRSA), {@code SigningCertURL} and the base64 {@code Signature} of its string
     * to sign; returns the same message.
     */
    public static ObjectNode signSns(
            ObjectNode message, PrivateKey key, String signatureVersion, String signingCertUrl) {
        message.put("SignatureVersion", signatureVersion);
        message.put("SigningCertURL", signingCertUrl);
        String canonical = ProviderSignatures.Sns.stringToSign(message);
        if (canonical == null) {
            throw new IllegalArgumentException("not a complete SNS message: " + message);
        }
        String algorithm = "1".equals(signatureVersion) ? "SHA1withRSA" : "SHA256withRSA";
        byte[] signature = sign(algorithm, key, canonical.getBytes(StandardCharsets.UTF_8));
        message.put("Signature", Base64.getEncoder().encodeToString(signature));
        return message;
    }

    /**
     * An SNS {@code Notification} envelope carrying the message (e.g. an SES notification as
     * compact JSON), unsigned: sign it with {@link #signSns}.
     */
    public static ObjectNode snsNotification(String message, String topicArn, Instant timestamp) {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.put("Type", "Notification");
        envelope.put("MessageId", UUID.randomUUID().toString());
        envelope.put("TopicArn", topicArn);
        envelope.put("Message", message);
        envelope.put("Timestamp", timestamp.toString());
        envelope.put(
                "UnsubscribeURL",
                "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + topicArn + ":test");
        return envelope;
    }

    /** The verification key SendGrid shows for a public key: base64 DER SubjectPublicKeyInfo. */
    public static String sendGridVerificationKey(PublicKey key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /**
     * The {@code X-Twilio-Email-Event-Webhook-Signature} for a body: base64 DER SHA256withECDSA of
     * the timestamp header followed by the raw body.
     */
    public static String signSendGrid(PrivateKey key, String timestamp, byte[] rawBody) {
        byte[] stamp = timestamp.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[stamp.length + rawBody.length];
        System.arraycopy(stamp, 0, payload, 0, stamp.length);
        System.arraycopy(rawBody, 0, payload, stamp.length, rawBody.length);
        return Base64.getEncoder().encodeToString(sign("SHA256withECDSA", key, payload));
    }

    /** Mailgun's {@code signature}: hex HMAC-SHA256 of timestamp followed by token. */
    public static String mailgunSignature(String signingKey, String timestamp, String token) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((timestamp + token).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Re-signs a Mailgun webhook body in place for a new timestamp (e.g. now, to pass a freshness
     * check) and a random 50-character token; returns the same body.
     */
    public static ObjectNode signMailgun(ObjectNode body, String signingKey, Instant timestamp) {
        byte[] random = new byte[25];
        RANDOM.nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        String seconds = Long.toString(timestamp.getEpochSecond());
        ObjectNode signature = body.putObject("signature");
        signature.put("token", token);
        signature.put("timestamp", seconds);
        signature.put("signature", mailgunSignature(signingKey, seconds, token));
        return body;
    }

    /** An {@code Authorization} header for HTTP Basic, as Postmark sends it. */
    public static String basicAuth(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes of a sample payload in {@code src/test/resources/webhooks/}. */
    public static byte[] webhook(String name) {
        try (InputStream in = TestSigning.class.getResourceAsStream("/webhooks/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample payload webhooks/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A sample payload in {@code src/test/resources/webhooks/}, parsed (a fresh copy each call). */
    public static JsonNode webhookJson(String name) {
        try {
            return JSON.readTree(webhook(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyPair keyPair(String algorithm, ECGenParameterSpec spec) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (spec == null) {
                generator.initialize(2048);
            } else {
                generator.initialize(spec);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sign(String algorithm, PrivateKey key, byte[] payload) {
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(payload);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
